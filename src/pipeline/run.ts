// The `run` coordinator: lock → download → transform → aggregate → resample, in order, each stage fail-fast.
// The first error anywhere aborts the run (the caller prints `ABORT! Critical error in <Stage>: …`).
// SIGINT/SIGTERM (the caller's `signal`) stops it instead: the running stage is cancelled (every stage
// cuts back to its last commit, as on any abort), the lock is released and the run rejects with an
// InterruptedError (`candlestore: interrupted`, exit 130), whatever the stage's own unwinding threw.
// Each stage reports one summary line and its wall time.
import { CandleError, InterruptedError, type Stage } from '../errors.js';
import { removeStaleTemps } from '../util/fsx.js';
import { acquireRunLock, type RunLock } from './lock.js';
import type { RunContext } from './context.js';

export interface StageReport {
  stage: Stage;
  seconds: number;
  detail: string;
  /** Machine-readable counters for tests and the bench. */
  counters: Record<string, number>;
}

export interface PipelineStage {
  stage: Stage;
  run(signal: AbortSignal): Promise<{ detail: string; counters: Record<string, number> }>;
}

export interface RunSummary {
  stages: StageReport[];
  seconds: number;
  /** The stale lock this run took over, if any. */
  lockTakenOver: RunLock['tookOver'];
}

/** Run `stages` in order under the run lock (after `prepare`, if given). Rejects with the first stage's error, tagged with its stage. */
export async function runStages(ctx: RunContext, stages: PipelineStage[], signal?: AbortSignal, prepare?: () => Promise<void>): Promise<RunSummary> {
  const started = performance.now();
  const interrupted = (stage: Stage) => new InterruptedError(stage, typeof signal?.reason === 'string' ? signal.reason : undefined);
  if (signal?.aborted) throw interrupted('Lock');
  const lock = await acquireRunLock(ctx.layout.runLock, ctx.layout.locksDir);
  if (lock.tookOver) ctx.log(`took over a stale lock left by process ${lock.tookOver.pid ?? '(unknown)'} (${lock.tookOver.why}): ${lock.file}`);
  const reports: StageReport[] = [];
  let current: Stage = 'Run';
  try {
    // Temp files of a killed run are never valid data; clear them before anything reads the folders.
    await asStage('Run', () => removeStaleTemps(ctx.layout.tempDir));
    // Work that must happen under the lock before the stages (rebuild deletes derived layers here).
    if (prepare) {
      if (signal?.aborted) throw interrupted(current);
      await asStage('Run', prepare);
    }
    for (const s of stages) {
      current = s.stage;
      if (signal?.aborted) throw interrupted(current);
      const t0 = performance.now();
      const result = await asStage(s.stage, () => s.run(signal ?? new AbortController().signal));
      reports.push({ stage: s.stage, seconds: (performance.now() - t0) / 1000, ...result });
    }
  } catch (err) {
    // Whatever a stage threw while it was being cancelled (CancelledError, an aborted request, a worker
    // torn down) is the interruption, not a failure of its own.
    if (signal?.aborted && !(err instanceof InterruptedError)) throw interrupted(current);
    throw err;
  } finally {
    await lock.release();
  }
  return { stages: reports, seconds: (performance.now() - started) / 1000, lockTakenOver: lock.tookOver };
}

/**
 * `work`'s result; anything it throws that is not a CandleError becomes an error of `stage`: IO_ERROR for a
 * failed system call (it names the path), INTERNAL for anything else.
 */
async function asStage<T>(stage: Stage, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof CandleError) throw err;
    const code = (err as NodeJS.ErrnoException | undefined)?.syscall ? 'IO_ERROR' : 'INTERNAL';
    throw new CandleError(stage, code, err instanceof Error ? err.message : String(err), { cause: err });
  }
}

export function formatSummary(summary: RunSummary): string {
  const lines = ['Summary:'];
  for (const r of summary.stages) lines.push(`  ${r.stage.padEnd(10)} ${r.seconds.toFixed(2).padStart(7)}s  ${r.detail}`);
  lines.push(`  ${'total'.padEnd(10)} ${summary.seconds.toFixed(2).padStart(7)}s`);
  return lines.join('\n');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
