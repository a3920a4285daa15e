// Issue 9 part 3, end to end: a closed day is cached as final only once it is complete. A sim whose clock lags
// the client's serves the day that just closed (on the client's clock) partial: the run keeps it provisional in
// data/temp and says so; a run whose server has passed the close by less than the settle time still does; a
// later run against a caught-up server stores the complete day, and the whole tree ends byte-identical to a
// clean run that only ever saw complete days.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { runCli, makeRoot, listFiles } from '../helpers/cli.js';
import { treeDiff, removeTree } from '../helpers/reliability.js';
import { independentDecode } from '../helpers/independent.js';

// EUR/USD: FX hours known; BTC/USD: 24/7; USA500.IDX/USD: hours unknown to the client (its cash session ended
// long before the lagging server's clock, so only the server's Date header shows the day is not closed there).
const SYMBOLS = ['EUR/USD', 'BTC/USD', 'USA500.IDX/USD'];
const CODES = ['EUR-USD', 'BTC-USD', 'USA500.IDX-USD'];
const FROM = '2026-07-14';
const CLOSED = '20260716'; // Thursday
const LAG_MIN = 120;

let simNow = 0;
let lagging: SimServer;
let caughtUp: SimServer;
const roots: string[] = [];

before(async () => {
  lagging = await startSim({ host: '127.0.0.1', port: 0, seed: 21, now: () => simNow, lagMs: LAG_MIN * 60_000 });
  caughtUp = await startSim({ host: '127.0.0.1', port: 0, seed: 21, now: () => simNow });
});
after(async () => {
  await lagging.close();
  await caughtUp.close();
  for (const r of roots) removeTree(r);
});

function newRoot(url: string): string {
  const root = makeRoot(url, SYMBOLS);
  roots.push(root);
  return root;
}

/** Point an existing root at another server (same sim data, another clock). */
function pointAt(root: string, url: string): void {
  const file = join(root, 'config.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/base_url: \S+/, `base_url: ${url}`));
}

async function run(root: string, now: string) {
  simNow = Date.parse(now);
  const r = await runCli(['run', '--root', root, '--from', FROM, '--now', now]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  return r;
}

test('a day served partial by a lagging server stays provisional until settled, then ends byte-identical to a clean run', async () => {
  const root = newRoot(lagging.url);

  // 00:40 on the client, 22:40 on the server: Thursday has closed here, not there.
  const first = await run(root, '2026-07-17T00:40:00Z');
  assert.match(first.stdout, /Download .* 3 closed days provisional/, first.stdout);
  for (const code of CODES) {
    assert.equal(existsSync(join(root, `cache/2026/07/${code}_${CLOSED}.json`)), false, `${code}: a partial day must not be cached as final`);
    assert.ok(existsSync(join(root, `data/temp/${code}_${CLOSED}.json`)), `${code}: the provisional day lives in data/temp`);
    assert.ok(existsSync(join(root, `data/temp/${code}_${CLOSED}.bin`)), `${code}: and is transformed there`);
  }
  const partial = independentDecode(readFileSync(join(root, `data/temp/EUR-USD_${CLOSED}.json`), 'utf8'));
  assert.ok(partial.length > 0 && partial.at(-1)!.ts < Date.parse('2026-07-16T22:40:00Z'), 'the lagging server served the day partial');
  // Days that had settled on both clocks are final.
  assert.ok(existsSync(join(root, 'cache/2026/07/EUR-USD_20260715.json')));

  // 02:20 on the client, 00:20 on the server: closed there too, but less than the settle time (30 min) ago.
  const second = await run(root, '2026-07-17T02:20:00Z');
  assert.match(second.stdout, /3 closed days provisional/, second.stdout);
  assert.match(second.stdout, /provisional: EUR\/USD 2026-07-16 \(fetched 20 min after the day's close by the server's clock/, second.stdout);
  for (const code of CODES) assert.equal(existsSync(join(root, `cache/2026/07/${code}_${CLOSED}.json`)), false, code);

  // The server has caught up and the settle time has passed: the complete day is stored, its temp files go.
  pointAt(root, caughtUp.url);
  const third = await run(root, '2026-07-17T03:00:00Z');
  assert.doesNotMatch(third.stdout, /provisional/, third.stdout);
  for (const code of CODES) {
    assert.ok(existsSync(join(root, `cache/2026/07/${code}_${CLOSED}.json`)), code);
    assert.equal(existsSync(join(root, `data/temp/${code}_${CLOSED}.json`)), false, code);
    assert.equal(existsSync(join(root, `data/temp/${code}_${CLOSED}.bin`)), false, code);
  }
  const complete = independentDecode(readFileSync(join(root, `cache/2026/07/EUR-USD_${CLOSED}.json`), 'utf8'));
  assert.ok(complete.length > partial.length && complete.at(-1)!.ts >= Date.parse('2026-07-16T23:45:00Z'), 'the cached day is the complete one');

  const clean = newRoot(caughtUp.url);
  await run(clean, '2026-07-17T03:00:00Z');
  pointAt(clean, caughtUp.url);
  assert.deepEqual(treeDiff(root, clean), [], 'every store, day file and cache file equals the clean run');
  assert.deepEqual(listFiles(join(root, 'data/temp')), CODES.flatMap((c) => [`${c}_20260717.bin`, `${c}_20260717.json`]).sort());
});

test('just after midnight a complete day is still held for the settle time (download.settle_minutes), then cached', async () => {
  const root = newRoot(caughtUp.url);
  writeFileSync(join(root, 'symbols.txt'), 'EUR/USD\n');
  writeFileSync(join(root, 'config.yaml'), `${readFileSync(join(root, 'config.yaml'), 'utf8')}  settle_minutes: 50\n`);
  const early = await run(root, '2026-07-17T00:45:00Z');
  assert.match(early.stdout, /1 closed day provisional/, early.stdout);
  assert.match(early.stdout, /fetched 45 min after the day's close by the clock, settle time 50 min/, early.stdout);
  assert.equal(existsSync(join(root, `cache/2026/07/EUR-USD_${CLOSED}.json`)), false);
  const later = await run(root, '2026-07-17T00:55:00Z');
  assert.doesNotMatch(later.stdout, /provisional/, later.stdout);
  assert.ok(existsSync(join(root, `cache/2026/07/EUR-USD_${CLOSED}.json`)));
  assert.equal(existsSync(join(root, `data/temp/EUR-USD_${CLOSED}.json`)), false);
});
