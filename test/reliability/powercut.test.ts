// Power loss, not only kill -9: `run` in a child whose file system calls go through test/helpers/powercut.mjs,
// which keeps of every file only what was fsynced and of every folder only the entries present at its last
// fsync (un-fsynced data lost, never-fsynced files empty, un-fsynced renames and removals undone). The child
// "loses power" before its N-th mutating call: the shim writes that state into a fresh root and SIGKILLs it.
// A normal `run` on that root must then end byte-identical to an uninterrupted run — for a cold first run
// and for an incremental run in which the live day closes — at the last call of the run (every file written,
// nothing of it fsynced since: the case of day files trusted because they exist), before the first index
// rename of aggregate and of resample, and at seeded random calls.
// CANDLESTORE_POWERCUT_SEED replays the choice of points; CANDLESTORE_SOAK=1 tries more of them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { makeRoot, runCli, type CliResult } from '../helpers/cli.js';
import { SOAK, copyTree, pool, removeTree, rng, secs, seedFrom, treeDiff } from '../helpers/reliability.js';

const SHIM = new URL('../helpers/powercut.mjs', import.meta.url).pathname;
const SYMBOLS = ['EUR/USD', 'XAU/USD'];
const FROM = '2026-03-04';
const NOW1 = '2026-03-10T15:20:30Z';
const NOW2 = '2026-03-11T00:40:00Z'; // the live day of NOW1 has closed: cache, day file, temp removal
const EXTRA = 'aggregate:\n  csv: true\n';
const RANDOM_POINTS = SOAK ? 24 : 1;
const seed = seedFrom('CANDLESTORE_POWERCUT_SEED');

// One server per clock: at NOW2 the day of NOW1 has closed on the server too (past the settle time), so the
// incremental run caches it as final, transforms it, and replaces the live day's part of every store.
let sim: SimServer;
let sim2: SimServer;
const dirs: string[] = [];
const tmp = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};
before(async () => {
  sim = await startSim({ host: '127.0.0.1', port: 0, seed: 23, now: Date.parse(NOW1) });
  sim2 = await startSim({ host: '127.0.0.1', port: 0, seed: 23, now: Date.parse(NOW2) });
});
after(async () => {
  await sim.close();
  await sim2.close();
  for (const d of dirs) removeTree(d);
});

const runArgs = (root: string, now: string) => ['run', '--root', root, '--from', FROM, '--now', now, '-q'];

/** `run` under the shim; `at` 0 only counts mutating calls. */
type Mode = 'undo' | 'keep' | 'mixed';

async function runUnderShim(root: string, now: string, at: number, mode: Mode = 'undo'): Promise<{ r: CliResult; shadow: string; out: string; calls: number; crashed: boolean }> {
  const shadow = tmp('cs-pc-shadow-');
  const out = join(tmp('cs-pc-out-'), 'root');
  const r = await runCli(runArgs(root, now), {
    env: {
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${SHIM}`,
      CANDLESTORE_POWERCUT_ROOT: root,
      CANDLESTORE_POWERCUT_DIR: shadow,
      CANDLESTORE_POWERCUT_AT: String(at),
      CANDLESTORE_POWERCUT_OUT: out,
      CANDLESTORE_POWERCUT_TRACE: at === 0 ? '1' : '0',
      CANDLESTORE_POWERCUT_MODE: mode,
      CANDLESTORE_POWERCUT_SEED: String(seed + at),
    },
  });
  const count = join(shadow, 'count');
  return { r, shadow, out, calls: existsSync(count) ? statSync(count).size : 0, crashed: existsSync(join(shadow, 'crashed')) };
}

interface Scenario {
  name: string;
  /** The tree the run starts from. */
  initial: string;
  now: string;
  /** The tree an uninterrupted run leaves. */
  clean: string;
  calls: number;
  /** Call numbers of the recorded run worth a cut: the first index rename of aggregate and of resample. */
  marks: number[];
}

async function scenario(name: string, initial: string, now: string): Promise<Scenario> {
  const clean = copyTree(initial);
  dirs.push(clean);
  const rec = await runUnderShim(clean, now, 0);
  assert.equal(rec.r.code, 0, rec.r.stderr);
  assert.ok(rec.calls > 20, `${name}: only ${rec.calls} calls counted: is the shim loaded?`);
  // Trace lines: `N call path`. Cut before the first index rename of each stage: data written, day files too,
  // the index not yet replaced.
  const trace = readFileSync(join(rec.shadow, 'trace'), 'utf8').split('\n').map((l) => l.split(' '));
  const firstRename = (dir: string) => trace.find(([, call, path]) => /^rename/.test(call ?? '') && (path ?? '').includes(dir))?.[0];
  const marks = [firstRename('/data/aggregate/1m/index/'), firstRename('/data/resample/')].filter((n) => n !== undefined).map(Number);
  return { name, initial, now, clean, calls: rec.calls, marks };
}

/** Power loss before call `at`, then a normal run: byte-identical to the clean tree. Returns what it left. */
async function cutAndRecover(s: Scenario, at: number, mode: Mode): Promise<string> {
  const root = copyTree(s.initial);
  dirs.push(root);
  const cut = await runUnderShim(root, s.now, at, mode);
  const what = `${s.name}, power lost before call ${at} of ${s.calls}, folder changes ${mode} (seed ${seed})`;
  if (!cut.crashed) {
    // The run made fewer calls this time (timing moves a few): it finished, and must be clean anyway.
    assert.equal(cut.r.code, 0, `${what}: ${cut.r.stderr}`);
    assert.deepEqual(treeDiff(root, s.clean), [], `${what}: the finished run differs`);
    return 'finished before the cut';
  }
  assert.equal(cut.r.signal, 'SIGKILL', `${what}: ${cut.r.stderr}`);
  const lost = treeDiff(cut.out, s.clean).length;
  const again = await runCli(runArgs(cut.out, s.now));
  assert.equal(again.code, 0, `${what}: the run after the power loss failed:\n${again.stderr}`);
  assert.deepEqual(treeDiff(cut.out, s.clean), [], `${what}: the tree after the repair run differs from the clean run\n${again.stdout}`);
  return `${lost} files differed after the cut, repaired${/rebuilt \d+ damaged day file/.test(again.stdout + again.stderr) ? ' (day files rebuilt)' : ''}`;
}

test('power loss at the end and at random calls of a cold and an incremental run: the next run ends byte-identical to a clean run', async () => {
  const started = performance.now();
  const random = rng(seed);
  const empty = makeRoot(sim.url, SYMBOLS, EXTRA);
  dirs.push(empty);
  const cold = await scenario('cold run', empty, NOW1);
  const later = copyTree(cold.clean);
  dirs.push(later);
  writeFileSync(join(later, 'config.yaml'), readFileSync(join(later, 'config.yaml'), 'utf8').replace(sim.url, sim2.url));
  const incremental = await scenario('incremental run, live day closed', later, NOW2);
  const modes: Mode[] = ['undo', 'keep', 'mixed'];
  const cases: [Scenario, number, Mode][] = [];
  for (const s of [cold, incremental]) {
    // The very end: every file written, whatever was not fsynced lost (its folder entry undone, or kept with
    // the file empty: the zero-length file a power loss leaves).
    cases.push([s, s.calls, 'keep']);
    if (SOAK) cases.push([s, s.calls, 'undo']);
    // Before the first index rename of aggregate (folder changes kept, file data lost) and of resample (mixed).
    for (const [i, m] of s.marks.entries()) cases.push([s, m, i === 0 ? 'keep' : 'mixed']);
    // Random calls: the first with every folder change undone, the others (SOAK) any way.
    for (let i = 0; i < RANDOM_POINTS; i++) cases.push([s, 1 + Math.floor(random() * s.calls), i === 0 ? 'undo' : modes[Math.floor(random() * 3)]]);
  }
  // Every case runs; the failures are listed together (one cause often shows at several points).
  const results = await pool(cases, 3, ([s, at, mode]) => cutAndRecover(s, at, mode).catch((err: Error) => `FAILED: ${err.message}`));
  for (const [i, [s, at, mode]] of cases.entries()) console.log(`${s.name}: call ${at}/${s.calls} (${mode}): ${results[i]}`);
  assert.deepEqual(results.filter((r) => r.startsWith('FAILED')), [], `seed ${seed}`);
  const v = await runCli(['verify', '--root', incremental.clean]);
  assert.equal(v.code, 0, v.stdout);
  console.log(`power cuts survived: ${cases.length} in ${secs(performance.now() - started)}; seed ${seed}`);
});

// The shim itself: a file written and renamed into place without any fsync is gone after the cut, one
// written, fsynced, renamed and its folder fsynced is there (so the test above can fail).
test('the shim drops what was not fsynced and keeps what was', async () => {
  const root = tmp('cs-pc-self-');
  const shadow = tmp('cs-pc-selfshadow-');
  const out = join(tmp('cs-pc-selfout-'), 'root');
  const script = [
    "import { openSync, writeSync, fsyncSync, closeSync, renameSync, writeFileSync } from 'node:fs';",
    `const root = ${JSON.stringify(root)};`,
    "writeFileSync(root + '/.a.tmp', 'lost'); renameSync(root + '/.a.tmp', root + '/a');",
    "const fd = openSync(root + '/.b.tmp', 'w'); writeSync(fd, 'kept'); fsyncSync(fd); closeSync(fd);",
    "renameSync(root + '/.b.tmp', root + '/b');",
    "const d = openSync(root, 'r'); fsyncSync(d); closeSync(d);",
    "writeFileSync(root + '/b', 'changed, not fsynced');",
    "writeFileSync(root + '/never', 'x');",
    "writeFileSync(root + '/end', 'the cut comes before this 9th call');",
  ].join('\n');
  const r = await new Promise<{ signal: NodeJS.Signals | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        ...process.env, NODE_OPTIONS: `--import=${SHIM}`, CANDLESTORE_POWERCUT_ROOT: root, CANDLESTORE_POWERCUT_DIR: shadow,
        CANDLESTORE_POWERCUT_AT: '9', CANDLESTORE_POWERCUT_OUT: out,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (_code, signal) => resolve({ signal, stderr }));
  });
  assert.equal(r.signal, 'SIGKILL', r.stderr);
  // a: written, renamed, folder fsynced, but the file itself never fsynced → present and empty.
  assert.equal(readFileSync(join(out, 'a'), 'utf8'), '');
  assert.equal(readFileSync(join(out, 'b'), 'utf8'), 'kept');
  assert.ok(!existsSync(join(out, 'never')), 'a file created after the last folder fsync must be gone');
});
