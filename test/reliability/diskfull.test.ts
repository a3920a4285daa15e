// Disk full: the data root on a small tmpfs (`mount -t tmpfs -o size=…`), sized at fractions of what a
// clean run writes, so ENOSPC strikes in different stages. Each run must abort cleanly — exit 1, an
// `ABORT! Critical error in <Stage>` line, the lock released, nothing wrong visible to a reader — and after
// the tmpfs is grown (`mount -o remount,size=…`: space freed) a rerun completes byte-identical to a clean run.
// Where mounting is not permitted, a per-file size limit (`ulimit -f` via bash: Node ignores SIGXFSZ and
// gets EFBIG) stands in for a full disk; if neither works the test is skipped with the reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { BIN, makeRoot, runCli, snapshot, type CliResult } from '../helpers/cli.js';
import { SOAK, removeTree, secs, treeDiff, visibleDataProblems } from '../helpers/reliability.js';

const SYMBOLS = ['EUR/USD', 'XAU/USD', 'BTC/USD'];
const NOW = '2026-08-19T11:03:00Z';
const FROM = '2026-08-01';
const args = (root: string) => ['run', '--root', root, '--from', FROM, '--now', NOW, '-q'];

let sim: SimServer;
let clean: string;
let cleanBytes = 0;
const cleanups: (() => void)[] = [];

before(async () => {
  sim = await startSim({ host: '127.0.0.1', port: 0, seed: 29, now: Date.parse(NOW) });
  clean = makeRoot(sim.url, SYMBOLS, 'aggregate:\n  csv: true\n');
  const r = await runCli(args(clean));
  assert.equal(r.code, 0, r.stderr);
  for (const b of snapshot(clean).values()) cleanBytes += b.length;
});
after(async () => {
  for (const f of cleanups.reverse()) f();
  await sim.close();
  removeTree(clean);
});

function sh(cmd: string, a: string[]): { ok: boolean; err: string } {
  const r = spawnSync(cmd, a, { encoding: 'utf8' });
  return { ok: r.status === 0, err: `${r.stderr ?? ''}${r.error?.message ?? ''}`.trim() };
}

/** Mount a tmpfs of `bytes` at a fresh directory; undefined (and why) when this machine does not allow it. */
function mountTmpfs(bytes: number): { dir: string; resize(b: number): void; unmount(): void } | string {
  const dir = mkdtempSync(join(tmpdir(), 'cs-full-'));
  const m = sh('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir]);
  if (!m.ok) {
    rmSync(dir, { recursive: true, force: true });
    return `mount -t tmpfs failed: ${m.err || 'not permitted'}`;
  }
  let mounted = true;
  const unmount = () => {
    if (mounted) sh('umount', [dir]);
    mounted = false;
    rmSync(dir, { recursive: true, force: true });
  };
  cleanups.push(unmount);
  return {
    dir,
    resize: (b) => assert.ok(sh('mount', ['-o', `remount,size=${b}`, dir]).ok, 'remount failed'),
    unmount,
  };
}

/** A root inside `dir` with the clean run's config and symbols. */
function rootIn(dir: string): string {
  const root = join(dir, 'root');
  mkdirSync(root, { recursive: true });
  for (const f of ['config.yaml', 'symbols.txt']) copyFileSync(join(clean, f), join(root, f));
  return root;
}

/** The checks after a run that ran out of space: a clean abort, nothing wrong visible, lock released. */
function assertCleanAbort(r: CliResult, root: string, what: string): string {
  assert.equal(r.code, 1, `${what}: exit ${r.code} (signal ${r.signal})\n${r.stderr}`);
  const abort = /^ABORT! Critical error in (\w+): .*$/m.exec(r.stderr);
  assert.ok(abort, `${what}: no ABORT line:\n${r.stderr}`);
  assert.match(abort[0], /ENOSPC|EFBIG|no space|too large/i, `${what}: the ABORT line does not say the disk is full`);
  assert.deepEqual(visibleDataProblems(root, clean), [], `${what}: a reader would see wrong data`);
  assert.ok(!existsSync(join(root, 'data/locks/run.lock')), `${what}: lock left behind`);
  return abort[1];
}

test('disk full in every stage: a clean abort (exit 1, ABORT), and after freeing space a rerun completes byte-identical', async (t) => {
  const t0 = performance.now();
  const fractions = SOAK ? [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95] : [0.1, 0.35, 0.6, 0.85, 0.97];
  // CANDLESTORE_NO_TMPFS=1 takes the fallback path on a machine that could mount (to test the fallback).
  const probe = process.env.CANDLESTORE_NO_TMPFS === '1' ? 'tmpfs not used (CANDLESTORE_NO_TMPFS=1)' : mountTmpfs(1 << 20);
  if (typeof probe === 'string') {
    await fileSizeLimitFallback(t, probe);
    return;
  }
  probe.unmount();
  const stages: string[] = [];
  for (const f of fractions) {
    const size = Math.max(64 * 1024, Math.floor((cleanBytes * f) / 4096) * 4096);
    const fs = mountTmpfs(size) as Exclude<ReturnType<typeof mountTmpfs>, string>;
    try {
      const root = rootIn(fs.dir);
      const r = await runCli(args(root));
      const what = `tmpfs of ${size} bytes (${Math.round(f * 100)}% of the ${cleanBytes} a clean run writes)`;
      if (r.code === 0) {
        // Fitted after all (tmpfs counts pages): then it must simply be right.
        assert.deepEqual(treeDiff(root, clean), [], what);
        stages.push(`${Math.round(f * 100)}%: fitted`);
        continue;
      }
      const stage = assertCleanAbort(r, root, what);
      stages.push(`${Math.round(f * 100)}%: ${stage}`);
      fs.resize(cleanBytes * 4);
      const again = await runCli(args(root));
      assert.equal(again.code, 0, `${what}: rerun after freeing space failed:\n${again.stderr}`);
      assert.deepEqual(treeDiff(root, clean), [], `${what}: the rerun's tree differs from a clean run`);
    } finally {
      fs.unmount();
    }
  }
  console.log(`disk full (tmpfs): ${stages.join(', ')}; each rerun byte-identical; ${secs(performance.now() - t0)}`);
  assert.ok(stages.filter((s) => !s.endsWith('fitted')).length >= 3, `too few runs hit a full disk: ${stages.join(', ')}`);
});

/** No tmpfs: a per-file size limit makes the growing files fail with EFBIG instead. */
async function fileSizeLimitFallback(t: { skip(msg: string): void }, why: string): Promise<void> {
  if (!sh('bash', ['-c', 'ulimit -f 100']).ok) {
    t.skip(`${why}; and bash/ulimit -f is not available either`);
    return;
  }
  const largest = Math.max(...[...snapshot(clean).values()].map((b) => b.length));
  const stages: string[] = [];
  for (const f of [0.2, 0.6, 0.9]) {
    const blocks = Math.max(8, Math.floor((largest * f) / 1024));
    const dir = mkdtempSync(join(tmpdir(), 'cs-fsize-'));
    cleanups.push(() => removeTree(dir));
    const root = rootIn(dir);
    const r = await new Promise<CliResult>((resolve) => {
      const child = spawn('bash', ['-c', `ulimit -f ${blocks}; exec "$0" "$@"`, process.execPath, BIN, ...args(root)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
    const stage = assertCleanAbort(r, root, `ulimit -f ${blocks} KiB`);
    stages.push(`${blocks} KiB: ${stage}`);
    const again = await runCli(args(root));
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(treeDiff(root, clean), []);
  }
  console.log(`disk full (${why}; fell back to ulimit -f): ${stages.join(', ')}; each rerun byte-identical`);
}
