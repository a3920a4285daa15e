// The `run` coordinator: lock → download → transform → aggregate → resample, in order, each stage fail-fast.
// The first error anywhere aborts the run (the caller prints `ABORT! Critical error in <Stage>: …`); a
// SIGINT/SIGTERM cancels the same way. Each stage reports one summary line and its wall time.
import { CandleError, type Stage } from '../errors.js';
import { removeStaleTemps } from '../util/fsx.js';
import { acquireRunLock } from './lock.js';
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
  lockTakenOverFrom: number | undefined;
}

/** Run `stages` in order under the run lock (after `prepare`, if given). Rejects with the first stage's error, tagged with its stage. */
export async function runStages(ctx: RunContext, stages: PipelineStage[], signal?: AbortSignal, prepare?: () => Promise<void>): Promise<RunSummary> {
  const started = performance.now();
  const lock = await acquireRunLock(ctx.layout.runLock, ctx.layout.locksDir);
  if (lock.tookOverFrom !== undefined) ctx.log(`took over a stale lock left by process ${lock.tookOverFrom || '(unknown)'}: ${lock.file}`);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  signal?.addEventListener('abort', onSignal, { once: true });
  const reports: StageReport[] = [];
  try {
    // Temp files of a killed run are never valid data; clear them before anything reads the folders.
    await removeStaleTemps(ctx.layout.tempDir);
    // Work that must happen under the lock before the stages (rebuild deletes derived layers here).
    await prepare?.();
    for (const s of stages) {
      if (controller.signal.aborted) throw new CandleError(s.stage, 'CANCELLED', 'run cancelled by signal', { exitCode: 130 });
      const t0 = performance.now();
      let result;
      try {
        result = await s.run(controller.signal);
      } catch (err) {
        if (err instanceof CandleError) throw err;
        throw new CandleError(s.stage, 'INTERNAL', err instanceof Error ? err.message : String(err), { cause: err });
      }
      reports.push({ stage: s.stage, seconds: (performance.now() - t0) / 1000, ...result });
    }
  } finally {
    signal?.removeEventListener('abort', onSignal);
    await lock.release();
  }
  return { stages: reports, seconds: (performance.now() - started) / 1000, lockTakenOverFrom: lock.tookOverFrom };
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
