// The binary store through the CLI: kill -9 at random moments of whole runs, incremental reads that never
// go back before in_pos, and damaged stores that are reported, refused and rebuilt — never served.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, truncateSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { BIN, runCli, makeRoot, snapshot } from '../helpers/cli.js';
import { readBin } from '../helpers/independent.js';
import { maskGeneration } from '../helpers/common.js';

const SYMBOLS = ['EUR/USD', 'XAU/USD', 'BTC/USD'];
const NOW = '2026-03-10T15:20:30Z';
const FROM = '2026-01-20';
const CSV = 'aggregate:\n  csv: true\n';
let sim: SimServer;
let simNow = Date.parse(NOW);

before(async () => {
  sim = await startSim({ host: '127.0.0.1', port: 0, seed: 3, now: () => simNow });
});
after(async () => {
  await sim.close();
});

const args = (root: string, now = NOW) => ['run', '--root', root, '--from', FROM, '--now', now, '-q'];
const dataOnly = (rel: string) => !rel.startsWith('data/locks') && rel !== 'config.yaml' && rel !== 'symbols.txt';

function compareTrees(actual: string, expected: string): void {
  const a = snapshot(actual, dataOnly);
  const e = snapshot(expected, dataOnly);
  assert.deepEqual([...a.keys()].sort(), [...e.keys()].sort());
  for (const [rel, bytes] of e) assert.ok(bytes.equals(a.get(rel)!), `${rel} differs`);
}

/** Start a run and SIGKILL it after `ms`; resolves when it has ended either way, with its wall time. */
function runAndKill(root: string, ms: number): Promise<{ killed: boolean; elapsed: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, ...args(root)], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', elapsed: performance.now() - started });
    });
  });
}

test('kill -9 at 20 random moments of `run`, rerun each time: the data tree ends byte-identical to a clean run', async () => {
  const clean = makeRoot(sim.url, SYMBOLS, CSV);
  const t0 = performance.now();
  assert.equal((await runCli(args(clean))).code, 0);
  const duration = performance.now() - t0;

  const killed = makeRoot(sim.url, SYMBOLS, CSV);
  let seed = Number(process.env.CANDLESTORE_KILL_SEED ?? Date.now() % 100000);
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  // Kill times are drawn over the expected length of the next run: the first runs have everything to do,
  // later ones only what the killed runs left (and the live day), so the estimate follows finished runs.
  let kills = 0;
  let estimate = duration;
  for (let attempt = 0; kills < 20 && attempt < 80; attempt++) {
    const r = await runAndKill(killed, 20 + random() * estimate);
    if (r.killed) kills++;
    else estimate = r.elapsed;
  }
  const final = await runCli(args(killed));
  assert.equal(final.code, 0, final.stderr);
  compareTrees(killed, clean);
  const verify = await runCli(['verify', '--root', killed]);
  assert.equal(verify.code, 0, verify.stdout);
  assert.equal(kills, 20, `only ${kills} kills landed mid-run (seed ${seed})`);
  console.log(`kills survived: ${kills} (clean run ${duration.toFixed(0)} ms)`);
});

test('an incremental run over a moved --now reads only the live day files and rewrites only the provisional tail', async () => {
  const root = makeRoot(sim.url, SYMBOLS);
  assert.equal((await runCli(args(root))).code, 0);
  const store = (s: string) => join(root, `data/aggregate/1m/${s.replace('/', '-')}.bin`);
  const idx = (s: string) => readFileSync(join(root, `data/aggregate/1m/index/${s.replace('/', '-')}.idx`));
  const before = SYMBOLS.map((s) => ({ bytes: readFileSync(store(s)), finalPos: Number(idx(s).readBigUInt64LE(48)) }));
  simNow = Date.parse('2026-03-10T16:05:30Z');
  const r = await runCli(['run', '--root', root, '--now', '2026-03-10T16:05:30Z']);
  simNow = Date.parse(NOW);
  assert.equal(r.code, 0, r.stderr);
  // Final records untouched; the tail is the live day's file, records flagged provisional.
  let tail = 0;
  let liveBytes = 0;
  for (const [i, s] of SYMBOLS.entries()) {
    const after = readFileSync(store(s));
    assert.ok(after.subarray(0, before[i].finalPos).equals(before[i].bytes.subarray(0, before[i].finalPos)), `${s}: final records unchanged`);
    assert.equal(Number(idx(s).readBigUInt64LE(48)), before[i].finalPos);
    const live = readFileSync(join(root, `data/temp/${s.replace('/', '-')}_20260310.bin`));
    liveBytes += live.length;
    assert.equal(after.length - before[i].finalPos, live.length - 64, `${s}: the tail is the live day`);
    tail += (live.length - 64) / 64;
  }
  assert.ok(tail >= 3 * 100, `tail ${tail}`);
  const m = /Aggregate .* ([\d,]+) candles appended from 3 day files \(([\d,]+) bytes read\)/.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.equal(Number(m[1].replaceAll(',', '')), tail);
  assert.equal(Number(m[2].replaceAll(',', '')), liveBytes, 'only the live day files were read');
});

test('a bit-flipped or truncated store is reported by verify, derived again (tail) or refused (final records) by run, and fixed by rebuild aggregate', async () => {
  const root = makeRoot(sim.url, SYMBOLS, CSV);
  assert.equal((await runCli(args(root))).code, 0);
  const store = join(root, 'data/aggregate/1m/XAU-USD.bin');
  const good = readFileSync(store);

  // a flipped bit in the middle: only a full check can see it
  const flipped = Buffer.from(good);
  flipped[64 * 1000 + 17] ^= 0x10;
  writeFileSync(store, flipped);
  const v = await runCli(['verify', '--root', root]);
  assert.equal(v.code, 1);
  assert.match(v.stdout, /XAU\/USD.*DAMAGED|DAMAGE.*data_crc|DAMAGE .*checksum/s);

  // a flipped bit in the provisional tail (the live day): the next run derives the tail again
  const tailFinal = Number(readFileSync(join(root, 'data/aggregate/1m/index/XAU-USD.idx')).readBigUInt64LE(48));
  assert.ok(tailFinal < good.length, 'fixture: the live day is a tail');
  const tail = Buffer.from(good);
  tail[tail.length - 30] ^= 0x01;
  writeFileSync(store, tail);
  const vt = await runCli(['verify', '--root', root]);
  assert.match(vt.stdout, /XAU\/USD[\s\S]*tail_crc/);
  const rt = await runCli(args(root).filter((a) => a !== '-q'));
  assert.equal(rt.code, 0, rt.stderr);
  assert.match(rt.stdout + rt.stderr, /provisional tail .* does not match the index/);
  assert.ok(readFileSync(store).equals(good), 'the tail derived again');

  // truncated into the final records: the next run refuses the store
  writeFileSync(store, good);
  truncateSync(store, tailFinal - 100);
  const v2 = await runCli(['verify', '--root', root]);
  assert.equal(v2.code, 1);
  const r2 = await runCli(args(root));
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /^ABORT! Critical error in Aggregate: store damaged: .*truncated/m);
  assert.match(r2.stderr, /run `candlestore rebuild aggregate`/);
  assert.match(r2.stderr, /XAU-USD\.bin/);

  const rb = await runCli(['rebuild', 'aggregate', '--root', root, '--now', NOW, '-q']);
  assert.equal(rb.code, 0, rb.stderr);
  assert.ok(maskGeneration(store, readFileSync(store)).equals(maskGeneration(store, good)), 'rebuilt store equals the original (but for its generation)');
  assert.notEqual(readFileSync(store).readUInt32LE(48), good.readUInt32LE(48), 'a rebuilt store is a new generation');
  assert.equal(statSync(join(root, 'data/aggregate/1m/XAU-USD.csv')).size > 0, true);
  assert.equal((await runCli(['verify', '--root', root])).code, 0);
});
