// Concurrency: two `run`s at once (one exits 3), a `rebuild` beside a `run` (one exits 3, nothing damaged),
// a reader process scanning every committed store in a loop while `run` appends (it never sees a half-written
// record or one beyond its index), and locks left behind: a dead pid's lock is taken over and said so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { makeRoot, runCli, type CliResult } from '../helpers/cli.js';
import { SOAK, copyTree, removeTree, rng, seedFrom, sleep, startGate, treeDiff, watchCli } from '../helpers/reliability.js';

const SYMBOLS = ['EUR/USD', 'XAU/USD', 'BTC/USD'];
const NOW = '2026-06-10T08:15:20Z';
const FROM = '2026-05-29';
const READER = fileURLToPath(new URL('./fixtures/reader.ts', import.meta.url));
const PROJECT = fileURLToPath(new URL('../../', import.meta.url));
const seed = seedFrom('CANDLESTORE_RACE_SEED');
const random = rng(seed);

let sim: SimServer;
let simNow = Date.parse(NOW);
let clean: string;
const roots: string[] = [];

before(async () => {
  sim = await startSim({ host: '127.0.0.1', port: 0, seed: 17, now: () => simNow });
  clean = fresh();
  const r = await runCli(args(clean));
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await sim.close();
  for (const r of roots) removeTree(r);
});

function fresh(): string {
  const root = makeRoot(sim.url, SYMBOLS, 'aggregate:\n  csv: true\n');
  roots.push(root);
  return root;
}
const args = (root: string, now = NOW) => ['run', '--root', root, '--from', FROM, '--now', now, '-q'];

/** Exactly one of two concurrent commands got the lock: the other exited 3 naming the holder. */
function oneExited3(a: CliResult, b: CliResult, what: string): CliResult {
  const codes = [a.code, b.code].sort();
  assert.deepEqual(codes, [0, 3], `${what}: exit codes ${a.code} and ${b.code}\n${a.stderr}\n${b.stderr}`);
  const loser = a.code === 3 ? a : b;
  assert.match(loser.stderr, /another candlestore run \(pid \d+\) holds .*run\.lock; wait for it to finish/);
  return a.code === 0 ? a : b;
}

/** A root copied from `from` (or a fresh one) whose downloads go through `url` with a deadline the gate never hits. */
function rootVia(url: string, from?: string): string {
  const root = from ? copyTree(from) : fresh();
  if (from) roots.push(root);
  const config = join(root, 'config.yaml');
  writeFileSync(config, readFileSync(config, 'utf8').replace(/base_url: .*/, `base_url: ${url}`).replace(/timeout_ms: .*/, 'timeout_ms: 600000'));
  return root;
}

test('two runs at once on one root: one exits 3, the other completes byte-identical to a clean run', async () => {
  const iterations = SOAK ? 12 : 3;
  for (let i = 0; i < iterations; i++) {
    // Both go through a closed gate: whichever takes the lock waits in its download until the other has
    // exited, so the two always overlap, however slow the machine.
    const gate = await startGate(sim.url);
    try {
      const root = rootVia(gate.url);
      const first = runCli(args(root));
      await sleep(random() * 300); // the second starts up to 0.3 s later: lock free, being taken, or taken
      const second = runCli(args(root));
      await Promise.race([first, second]);
      gate.open();
      oneExited3(await first, await second, `iteration ${i}`);
      assert.deepEqual(treeDiff(root, clean), [], `iteration ${i} (seed ${seed})`);
      assert.ok(!existsSync(join(root, 'data/locks/run.lock')), 'lock released');
      removeTree(roots.pop());
    } finally {
      await gate.close();
    }
  }
  console.log(`concurrent runs: ${iterations} pairs, one exit 3 each, trees identical (seed ${seed})`);
});

test('`rebuild` beside `run`, either order: one exits 3, the other completes, nothing damaged', async () => {
  for (const [firstCmd, secondCmd] of [
    [['run'], ['rebuild', 'aggregate']],
    [['rebuild', 'full'], ['run']],
    [['rebuild', 'resample'], ['run']],
  ] as const) {
    const gate = await startGate(sim.url);
    try {
      await besides(gate, firstCmd, secondCmd);
    } finally {
      await gate.close();
    }
  }
});

/** `firstCmd` holds the lock (waiting at the gate in its download) while `secondCmd` runs: exit 3; then the first completes. */
async function besides(gate: Awaited<ReturnType<typeof startGate>>, firstCmd: readonly string[], secondCmd: readonly string[]): Promise<void> {
  const root = rootVia(gate.url, clean);
  const cmd = (c: readonly string[]) => (c[0] === 'run' ? args(root) : [...c, '--root', root, '--now', NOW, '-q']);
  const what = `${firstCmd.join(' ')} beside ${secondCmd.join(' ')}`;
  const first = runCli(cmd(firstCmd));
  for (let i = 0; i < 2000 && gate.waiting() === 0; i++) await sleep(10); // it holds the lock and waits at the gate
  assert.ok(gate.waiting() > 0, `${what}: the first command never reached its download`);
  const second = await runCli(cmd(secondCmd));
  gate.open();
  const firstResult = await first;
  oneExited3(firstResult, second, what);
  assert.equal(firstResult.code, 0, `${what}: the command holding the lock is the one that completes`);
  assert.deepEqual(treeDiff(root, clean), [], what);
  assert.equal((await runCli(['verify', '--root', root])).code, 0, what);
  removeTree(roots.pop());
}

test('a reader scanning every store in a loop while `run` appends never sees a half-written record or one beyond the index', async () => {
  const root = fresh();
  const reader = spawn(process.execPath, ['--import', 'tsx', READER, root], { cwd: PROJECT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  reader.stdout.on('data', (d) => (out += d));
  reader.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => reader.on('close', r));
  for (let i = 0; i < 200 && !out.includes('ready'); i++) await sleep(25);
  assert.ok(out.includes('ready'), `reader did not start: ${err}`);
  // A cold run, then the live day growing run after run (every run appends and commits), crossing midnight
  // so a live day closes into the cache and the next one starts.
  const steps = SOAK ? 24 : 6;
  const started = Date.parse(NOW);
  let runs = 0;
  for (let i = 0; i <= steps; i++) {
    const now = started + i * (16 * 3600_000 / steps) + (i % 2) * 7 * 60_000;
    simNow = now;
    const r = await runCli(args(root, new Date(now).toISOString()));
    assert.equal(r.code, 0, r.stderr);
    runs++;
  }
  simNow = Date.parse(NOW);
  reader.stdin.end();
  assert.equal(await exited, 0, err);
  const summary = JSON.parse(out.trim().split('\n').at(-1)!);
  console.log(`reader beside ${runs} appending runs: ${summary.scans} store scans, ${summary.records} records read, ${summary.distinctCommitsSeen} distinct commits seen, problems ${summary.problemCount}`);
  assert.deepEqual(summary.problems, []);
  assert.ok(summary.scans > runs, `only ${summary.scans} scans`);
  assert.ok(summary.maxCommitsPerStore >= 3, `the reader saw a store at only ${summary.maxCommitsPerStore} commits`);
  assert.equal((await runCli(['verify', '--root', root])).code, 0);
});

test('locks left behind: a dead pid, a killed run, an empty file, `1`, a live non-candlestore pid, a reused pid and a lock from before a reboot are taken over and said so; a live holder is not', async () => {
  // the pid of a process that has exited
  const dead = spawn(process.execPath, ['-e', '']);
  const deadPid = dead.pid!;
  await new Promise((r) => dead.on('close', r));
  let root = copyTree(clean);
  roots.push(root);
  let lock = join(root, 'data/locks/run.lock');
  mkdirSync(join(root, 'data/locks'), { recursive: true });
  writeFileSync(lock, `${deadPid}\n`);
  // what a run killed while taking the lock leaves: its temp file, a stale lock it had set aside
  const debris = [`${lock}.${deadPid}.tmp`, `${lock}.stale.${deadPid}`];
  for (const f of debris) writeFileSync(f, '');
  const r = await runCli(args(root).filter((a) => a !== '-q'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`took over a stale lock left by process ${deadPid}`));
  assert.ok(!existsSync(lock));
  for (const f of debris) assert.ok(!existsSync(f), `${f} left behind`);

  // a rebuild killed with SIGKILL while it holds the lock (waiting at a closed gate in its download, after
  // deleting the derived layers)
  const gate = await startGate(sim.url);
  let killedPid: number;
  try {
    const via = rootVia(gate.url, root);
    const w = watchCli(['rebuild', 'full', '--root', via, '--now', NOW]);
    for (let i = 0; i < 2000 && gate.waiting() === 0; i++) await sleep(10);
    killedPid = w.child.pid!;
    w.child.kill('SIGKILL');
    await w.done;
    assert.ok(existsSync(join(via, 'data/locks/run.lock')), 'a killed run leaves its lock');
    writeFileSync(join(via, 'config.yaml'), readFileSync(join(root, 'config.yaml')));
    removeTree(root);
    root = via;
    lock = join(root, 'data/locks/run.lock');
  } finally {
    await gate.close();
  }
  const r2 = await runCli(args(root).filter((a) => a !== '-q'));
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stdout, new RegExp(`took over a stale lock left by process ${killedPid}`));
  assert.deepEqual(treeDiff(root, clean), []);

  // an empty lock file (a run killed between creating the file and writing its pid)
  writeFileSync(lock, '');
  const r3 = await runCli(args(root).filter((a) => a !== '-q'));
  assert.equal(r3.code, 0, r3.stderr);
  assert.match(r3.stdout, /took over a stale lock left by process/);

  // `echo 1 > run.lock`: pid 1 is alive, but the file names no candlestore run (no start time, no boot id)
  writeFileSync(lock, '1\n');
  const r4 = await runCli(args(root).filter((a) => a !== '-q'));
  assert.equal(r4.code, 0, r4.stderr);
  assert.match(r4.stdout, /took over a stale lock left by process 1 \(the lock file names no candlestore run/);

  // the pid of a live process that is not a candlestore run: this test runner (pid only, as older locks
  // were), and a `sleep` child named with a start time that is not its own (its pid reused by another process)
  writeFileSync(lock, `${process.pid}\n`);
  const r5 = await runCli(args(root).filter((a) => a !== '-q'));
  assert.equal(r5.code, 0, r5.stderr);
  assert.match(r5.stdout, new RegExp(`took over a stale lock left by process ${process.pid}`));
  const sleeper = spawn('sleep', ['30']);
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const start = readFileSync(`/proc/${sleeper.pid}/stat`, 'latin1').split(') ')[1].split(' ')[19];
    writeFileSync(lock, `${JSON.stringify({ pid: sleeper.pid, start: String(Number(start) - 1), boot })}\n`);
    const r6 = await runCli(args(root).filter((a) => a !== '-q'));
    assert.equal(r6.code, 0, r6.stderr);
    assert.match(r6.stdout, new RegExp(`took over a stale lock left by process ${sleeper.pid} \\(that pid now belongs to another process\\)`));
    // the same pid taken before the last reboot (another boot id)
    writeFileSync(lock, `${JSON.stringify({ pid: sleeper.pid, start, boot: '00000000-0000-0000-0000-000000000000' })}\n`);
    const r7 = await runCli(args(root).filter((a) => a !== '-q'));
    assert.equal(r7.code, 0, r7.stderr);
    assert.match(r7.stdout, /taken before the last reboot/);
    // with its own identity the sleep child is the holder: exit 3, the lock left alone
    const held = `${JSON.stringify({ pid: sleeper.pid, start, boot })}\n`;
    writeFileSync(lock, held);
    const r8 = await runCli(args(root));
    assert.equal(r8.code, 3, r8.stderr);
    assert.match(r8.stderr, new RegExp(`another candlestore run \\(pid ${sleeper.pid}\\) holds`));
    assert.equal(readFileSync(lock, 'utf8'), held, 'a live lock is never removed');
  } finally {
    sleeper.kill();
  }
  rmSync(lock);
  assert.deepEqual(treeDiff(root, clean), []);
});
