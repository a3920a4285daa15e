// End-to-end checks (issue 9 part 7), on a real run against `sim`:
//   - a flipped bit in a cached day (a digit of a volume: still valid JSON, still a candle) is reported by
//     `verify` naming the file, and refused by the run that converts that day again (CACHE_CHECKSUM);
//   - a 1m record changed together with every checksum that covers it (data_crc, tail_crc, index_crc) and a
//     timeframe whose bar boundaries moved with their OHLCV recomputed (so every plain check still holds)
//     pass plain `verify` and are found by `verify --deep` (exit 1, naming symbol and timeframe);
//   - `verify --deep` passes on a clean tree.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { makeRoot, runCli } from '../helpers/cli.js';
import { copyTree, removeTree } from '../helpers/reliability.js';

const SYMBOLS = ['EUR/USD', 'XAU/USD'];
const NOW = '2026-04-15T13:07:40Z';
const FROM = '2026-04-08';
const DAY = '20260409';

let sim: SimServer;
let clean: string;
const roots: string[] = [];
before(async () => {
  sim = await startSim({ host: '127.0.0.1', port: 0, seed: 7, now: Date.parse(NOW) });
  clean = makeRoot(sim.url, SYMBOLS);
  roots.push(clean);
  const r = await runCli(['run', '--root', clean, '--from', FROM, '--now', NOW, '-q']);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await sim.close();
  for (const r of roots) removeTree(r);
});

const copy = () => {
  const r = copyTree(clean);
  roots.push(r);
  return r;
};
const verify = (root: string, deep = false) => runCli(['verify', '--root', root, ...(deep ? ['--deep'] : [])]);

/** Rewrite an index (docs/format.md §2) with new data_crc / tail_crc and a valid index_crc. */
function rewriteIndex(file: string, store: Buffer): void {
  const ix = readFileSync(file);
  const outPos = Number(ix.readBigUInt64LE(24));
  const finalPos = Number(ix.readBigUInt64LE(48));
  // tail_crc covers the provisional tail [final_pos, out_pos), data_crc the final records (docs/format.md §10).
  ix.writeUInt32LE(crc32(store.subarray(finalPos, outPos)), 40);
  ix.writeUInt32LE(crc32(store.subarray(64, finalPos)), 44);
  ix.writeUInt32LE(crc32(ix.subarray(0, 60)), 60);
  writeFileSync(file, ix);
}

test('verify --deep passes on a clean tree, and so does plain verify (cache checksums included)', async () => {
  const v = await verify(clean, true);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /EUR\/USD cache .* ok/);
  assert.match(v.stdout, /EUR\/USD 1m deep .* ok/);
  assert.match(v.stdout, /XAU\/USD 1h deep .* ok/);
});

test('a flipped bit in a cached day: verify names the file, and the run that converts the day refuses it', async () => {
  const root = copy();
  const rel = `cache/2026/04/EUR-USD_${DAY}.json`;
  const file = join(root, rel);
  const b = readFileSync(file);
  const text = b.toString('latin1');
  const at = text.indexOf('"volumes":[') + 11;
  const digit = text.slice(at).search(/[1-8]/) + at;
  b[digit] += 1; // one digit of a volume: still JSON, still a candle
  writeFileSync(file, b);
  const v = await verify(root);
  assert.equal(v.code, 1, v.stdout);
  assert.match(v.stdout, new RegExp(`DAMAGE +cache .*EUR-USD_${DAY}\\.json does not match its checksum`));
  // The day file made from it is gone: the run converts the cached day again, and must not take it.
  rmSync(join(root, `data/transform/1m/2026/04/EUR-USD_${DAY}.bin`));
  rmSync(join(root, 'data/aggregate'), { recursive: true });
  rmSync(join(root, 'data/resample'), { recursive: true });
  const r = await runCli(['run', '--root', root, '--from', FROM, '--now', NOW, '-q']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`ABORT! Critical error in Transform: does not match its checksum .*EUR-USD_${DAY}\\.json`));
});

test('a 1m record changed with all its checksums: plain verify passes, verify --deep finds it', async () => {
  const root = copy();
  const storeFile = join(root, 'data/aggregate/1m/EUR-USD.bin');
  const store = readFileSync(storeFile);
  // The first record of a 5m bucket whose close lies strictly inside its low–high: a new close there
  // changes neither the record's sanity nor any 5m bar (its close is the bucket's last row's).
  let at = 64 * 200;
  const ok = (p: number) => Number(store.readBigInt64LE(p)) % 300_000 === 0 && store.readDoubleLE(p + 24) < store.readDoubleLE(p + 32) && store.readDoubleLE(p + 32) < store.readDoubleLE(p + 16);
  while (!ok(at)) at += 64;
  store.writeDoubleLE((store.readDoubleLE(at + 24) + store.readDoubleLE(at + 32)) / 2, at + 32);
  writeFileSync(storeFile, store);
  rewriteIndex(join(root, 'data/aggregate/1m/index/EUR-USD.idx'), store);
  const plain = await verify(root);
  assert.equal(plain.code, 0, `plain verify should not see a consistent change:\n${plain.stdout}`);
  const deep = await verify(root, true);
  assert.equal(deep.code, 1, deep.stdout);
  assert.match(deep.stdout, /EUR\/USD 1m deep .* DAMAGED/);
  assert.match(deep.stdout, /DAMAGE +deep +record at .* differs from row \d+ of EUR-USD_\d+\.json decoded again: close/);
  assert.doesNotMatch(deep.stdout, /XAU\/USD \S+ deep .* DAMAGED/);
});

test('a timeframe whose bar boundaries moved, OHLCV and checksums recomputed: plain verify passes, --deep finds it', async () => {
  // A cascade whose 1h has no dependents: a moved boundary then changes nothing that plain verify recomputes.
  const root = makeRoot(sim.url, SYMBOLS, 'resample:\n  timeframes:\n    - { name: 5m, rule: 5m, source: 1m }\n    - { name: 1h, rule: 1h, source: 5m }\n');
  roots.push(root);
  const r = await runCli(['run', '--root', root, '--from', FROM, '--now', NOW, '-q']);
  assert.equal(r.code, 0, r.stderr);
  const tfFile = join(root, 'data/resample/1h/XAU-USD.bin');
  const src = readFileSync(join(root, 'data/resample/5m/XAU-USD.bin'));
  const tf = readFileSync(tfFile);
  const outPos = Number(readFileSync(join(root, 'data/resample/1h/index/XAU-USD.idx')).readBigUInt64LE(24));
  // Two neighbouring closed bars, the first of several rows, the second right after it: move the first
  // bar's last row into the second bar and recompute both from their new rows.
  let p = 64 * 3;
  const adjacent = (q: number) => Number(tf.readBigUInt64LE(q + 48)) + tf.readUInt32LE(q + 60) * 64 === Number(tf.readBigUInt64LE(q + 64 + 48));
  while (!(tf.readUInt32LE(p + 60) >= 2 && p + 128 <= outPos && adjacent(p))) p += 64;
  assert.ok(p + 128 <= outPos, 'no two neighbouring closed bars');
  const fold = (bar: number, from: number, count: number) => {
    let o = 0, h = 0, l = 0, c = 0, v = 0;
    for (let k = 0; k < count; k++) {
      const row = from + k * 64;
      if (k === 0) [o, h, l, v] = [src.readDoubleLE(row + 8), src.readDoubleLE(row + 16), src.readDoubleLE(row + 24), src.readDoubleLE(row + 40)];
      else [h, l, v] = [Math.max(h, src.readDoubleLE(row + 16)), Math.min(l, src.readDoubleLE(row + 24)), v + src.readDoubleLE(row + 40)];
      c = src.readDoubleLE(row + 32);
    }
    [o, h, l, c, v].forEach((x, i) => tf.writeDoubleLE(x, bar + 8 + i * 8));
    tf.writeBigUInt64LE(BigInt(from), bar + 48);
    tf.writeUInt32LE(count, bar + 60);
  };
  const [firstSrc, firstCount] = [Number(tf.readBigUInt64LE(p + 48)), tf.readUInt32LE(p + 60)];
  const [nextSrc, nextCount] = [Number(tf.readBigUInt64LE(p + 64 + 48)), tf.readUInt32LE(p + 64 + 60)];
  fold(p, firstSrc, firstCount - 1);
  fold(p + 64, nextSrc - 64, nextCount + 1);
  writeFileSync(tfFile, tf);
  rewriteIndex(join(root, 'data/resample/1h/index/XAU-USD.idx'), tf);
  const plain = await verify(root);
  assert.equal(plain.code, 0, `plain verify should not see a consistent change:\n${plain.stdout}`);
  const deep = await verify(root, true);
  assert.equal(deep.code, 1, deep.stdout);
  assert.match(deep.stdout, /XAU\/USD 1h deep .* DAMAGED/);
  assert.match(deep.stdout, new RegExp(`DAMAGE +deep +bar \\d+ .* differs from its source rows recomputed: .*count ${firstCount - 1} ≠ ${firstCount}`));
  assert.doesNotMatch(deep.stdout, /XAU\/USD 5m deep .* DAMAGED/);
});
