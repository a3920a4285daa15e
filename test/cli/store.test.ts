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

test('an incremental run over a moved --now reads only the new part of the live day', async () => {
  const root = makeRoot(sim.url, SYMBOLS);
  assert.equal((await runCli(args(root))).code, 0);
  const before = SYMBOLS.map((s) => readBin(join(root, `data/aggregate/1m/${s.replace('/', '-')}.bin`)).records.length);
  simNow = Date.parse('2026-03-10T16:05:30Z');
  const r = await runCli(['run', '--root', root, '--now', '2026-03-10T16:05:30Z']);
  simNow = Date.parse(NOW);
  assert.equal(r.code, 0, r.stderr);
  const afterCounts = SYMBOLS.map((s) => readBin(join(root, `data/aggregate/1m/${s.replace('/', '-')}.bin`)).records.length);
  const appended = afterCounts.reduce((a, n, i) => a + n - before[i], 0);
  assert.ok(appended >= 3 * 40, `appended ${appended}`);
  // each symbol reads its live day file's header and then only the records after in_pos
  const m = /Aggregate .* ([\d,]+) candles appended from 3 day files \(([\d,]+) bytes read\)/.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.equal(Number(m[1].replaceAll(',', '')), appended);
  assert.equal(Number(m[2].replaceAll(',', '')), 3 * 64 + appended * 64);
});

test('a bit-flipped or truncated store is reported by verify, refused by run, and fixed by rebuild aggregate', async () => {
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

  // a flipped bit in the last record: the next run refuses the store
  const tail = Buffer.from(good);
  tail[tail.length - 30] ^= 0x01;
  writeFileSync(store, tail);
  const r = await runCli(args(root));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^ABORT! Critical error in Aggregate: store damaged: .*tail_crc/m);
  assert.match(r.stderr, /run `candlestore rebuild aggregate`/);
  assert.match(r.stderr, /XAU-USD\.bin/);

  // truncated mid-record
  writeFileSync(store, good);
  truncateSync(store, good.length - 100);
  const v2 = await runCli(['verify', '--root', root]);
  assert.equal(v2.code, 1);
  const r2 = await runCli(args(root));
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /ABORT! Critical error in Aggregate: .*XAU-USD\.bin/);

  const rb = await runCli(['rebuild', 'aggregate', '--root', root, '--now', NOW, '-q']);
  assert.equal(rb.code, 0, rb.stderr);
  assert.ok(maskGeneration(store, readFileSync(store)).equals(maskGeneration(store, good)), 'rebuilt store equals the original (but for its generation)');
  assert.notEqual(readFileSync(store).readUInt32LE(48), good.readUInt32LE(48), 'a rebuilt store is a new generation');
  assert.equal(statSync(join(root, 'data/aggregate/1m/XAU-USD.csv')).size > 0, true);
  assert.equal((await runCli(['verify', '--root', root])).code, 0);
});
