// The instrument document cache (issue 14 part 1), the CLI against `sim`: kept exactly as served in
// cache/instruments, fetched again after 7 days or by `rebuild weekly`, read offline.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRoot, runCli } from '../helpers/cli.js';
import { useRecordingSim, getText } from '../helpers/recordingSim.js';

const NOW = '2026-07-15T12:00:00Z';
const DAY = 86_400_000;
const recording = useRecordingSim(NOW);
const requests = recording.requests;

test('documents are cached, fetched again after 7 days or by rebuild weekly, and read offline', async () => {
  const root = makeRoot(recording.sim.url, ['EUR/CHF']);
  const args = ['--root', root, '--from', '2026-07-13', '--now', NOW, '-q'];
  const docRequests = (from: number) => requests.slice(from).filter((p) => p === '/v1/instruments/EUR-CHF').length;
  let seen = requests.length;
  assert.equal((await runCli(['run', ...args])).code, 0);
  assert.equal(docRequests(seen), 1);
  const file = join(root, 'cache/instruments/EUR-CHF.json');
  assert.equal(readFileSync(file, 'utf8'), (await getText(recording.sim.url, '/v1/instruments/EUR-CHF')).text, 'kept exactly as served');
  seen = requests.length;
  assert.equal((await runCli(['run', ...args])).code, 0);
  assert.equal(docRequests(seen), 0, 'young: not fetched again');
  const eightDaysAgo = (Date.now() - 8 * DAY) / 1000;
  utimesSync(file, eightDaysAgo, eightDaysAgo);
  seen = requests.length;
  assert.equal((await runCli(['run', ...args])).code, 0);
  assert.equal(docRequests(seen), 1, 'older than 7 days: fetched again');
  seen = requests.length;
  assert.equal((await runCli(['rebuild', 'weekly', '--root', root, '--now', NOW, '-q'])).code, 0);
  assert.equal(docRequests(seen), 1, 'rebuild weekly fetches it again');
  // Offline: the cached document decides (nothing is asked).
  seen = requests.length;
  const r = await runCli(['run', '--root', root, '--no-download', '--now', NOW, '-q']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(requests.length, seen);
  assert.doesNotMatch(r.stderr, /no cached instrument document/);
  // A damaged cached document is an error naming it offline.
  utimesSync(file, Date.now() / 1000, Date.now() / 1000);
  writeFileSync(file, '{"name":"EUR/CHF"}');
  const bad = await runCli(['run', '--root', root, '--no-download', '--now', NOW, '-q']);
  assert.equal(bad.code, 1, bad.stderr);
  assert.match(bad.stderr, /not an instrument document of EUR\/CHF: .*delete it to fetch it again .*EUR-CHF\.json/);
});
