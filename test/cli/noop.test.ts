// A run that finds nothing new rewrites nothing: every file under the root keeps its bytes and its mtime
// (a live day whose answer did not change is not converted again, no store or index is replaced). And the
// other side of that shortcut: a live day whose JSON was replaced is converted again and reaches the stores.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { makeRoot, runCli } from '../helpers/cli.js';
import { independentDecode, readBin } from '../helpers/independent.js';
import { removeTree } from '../helpers/reliability.js';

const SYMBOLS = ['EUR/USD', 'BTC/USD'];
const FROM = '2026-07-13';
const NOW = '2026-07-15T13:07:00Z'; // 07-15 is the live day, half done
const LIVE_JSON = 'data/temp/EUR-USD_20260715.json';
const LIVE_BIN = 'data/temp/EUR-USD_20260715.bin';

let sim: SimServer;
const roots: string[] = [];

before(async () => {
  sim = await startSim({ host: '127.0.0.1', port: 0, seed: 5, now: () => Date.parse(NOW) });
});
after(async () => {
  await sim.close();
  for (const r of roots) removeTree(r);
});

async function run(root: string, ...extra: string[]) {
  const r = await runCli(['run', '--root', root, '--from', FROM, '--now', NOW, '-q', ...extra]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
}

/** Every file under `dir`: relative path → its bytes (hex digest-free: compared whole) and mtime in ns. */
function snapshot(dir: string): Map<string, { bytes: Buffer; mtimeNs: bigint }> {
  const out = new Map<string, { bytes: Buffer; mtimeNs: bigint }>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), { bytes: readFileSync(p), mtimeNs: statSync(p, { bigint: true }).mtimeNs });
    }
  };
  walk(dir);
  return out;
}

test('a run with nothing new (same clock, same answers) leaves every file as it was: bytes and mtimes', async () => {
  const root = makeRoot(sim.url, SYMBOLS);
  roots.push(root);
  await run(root);
  const before = snapshot(root);
  assert.ok(before.has(LIVE_BIN), 'the live day has a day file');
  for (const extra of [[], ['--no-download']]) {
    await run(root, ...extra);
    const now = snapshot(root);
    assert.deepEqual([...now.keys()].sort(), [...before.keys()].sort(), `${extra.join(' ')}: no file added or removed`);
    for (const [rel, was] of before) {
      const is = now.get(rel)!;
      assert.ok(is.bytes.equals(was.bytes), `${rel}: bytes unchanged (${extra.join(' ')})`);
      assert.equal(is.mtimeNs, was.mtimeNs, `${rel}: not rewritten (${extra.join(' ')})`);
    }
  }
});

test('a live day whose JSON was replaced is converted again and reaches the 1m store', async () => {
  const root = makeRoot(sim.url, SYMBOLS);
  roots.push(root);
  await run(root);
  await run(root, '--no-download'); // converted once and stamped: the shortcut is armed
  // A revision as the downloader writes one (temp file + rename): the last candle's volume changes.
  const doc = JSON.parse(readFileSync(join(root, LIVE_JSON), 'utf8')) as { volumes: number[] };
  const last = doc.volumes.length - 1;
  doc.volumes[last] = doc.volumes[last] + 1234.5;
  const text = JSON.stringify(doc);
  writeFileSync(join(root, `${LIVE_JSON}.tmp`), text);
  renameSync(join(root, `${LIVE_JSON}.tmp`), join(root, LIVE_JSON));
  await run(root, '--no-download');

  const expected = independentDecode(text).filter((c) => c.v > 0).map((c) => [c.ts, c.v]);
  const dayFile = readBin(join(root, LIVE_BIN)).records.map((r) => [r.ts, r.v]);
  assert.deepEqual(dayFile, expected, 'the live day file holds the revised answer');
  const store = readBin(join(root, 'data/aggregate/1m/EUR-USD.bin')).records.filter((r) => r.ts >= expected[0][0]).map((r) => [r.ts, r.v]);
  assert.deepEqual(store, expected, 'the 1m store ends with the revised live day');
});
