// Fail-fast parallel execution of independent tasks: CPU-bound work goes to worker threads (piscina) sized
// to the cores, tiny batches run inline. The first failure aborts everything still queued or running and
// is the error the caller sees; errors cross the thread boundary as plain data and are rebuilt as
// CandleErrors so the ABORT line keeps its stage, code and file.
import { availableParallelism } from 'node:os';
import type { Piscina as PiscinaPool } from 'piscina';
import { CancelledError, CandleError, CorruptFileError, type ErrorCode, type Stage } from '../errors.js';

export interface SerializedError {
  stage: Stage;
  code: ErrorCode;
  message: string;
  file?: string;
}

export type WorkerReply<R> = { ok: true; value: R } | { ok: false; error: SerializedError };

/** Wrap a task body so its failure crosses a worker boundary intact. Used by every worker module. */
export async function asWorkerReply<R>(stage: Stage, body: () => Promise<R>): Promise<WorkerReply<R>> {
  try {
    return { ok: true, value: await body() };
  } catch (err) {
    if (err instanceof CandleError) {
      const file = err instanceof CorruptFileError ? err.file : undefined;
      return { ok: false, error: { stage: err.stage, code: err.code, message: err.message, file } };
    }
    return { ok: false, error: { stage, code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) } };
  }
}

function rebuildError(e: SerializedError): CandleError {
  return new CandleError(e.stage, e.code, e.message);
}

export function threadCount(configured: number): number {
  return configured > 0 ? configured : availableParallelism();
}

/**
 * The sibling module of `from` named `name` with the caller's own extension: .ts under tsx, .js in tsc's
 * dist/, .mjs in the bundle (scripts/bundle.mjs gives each bundled module the URL of its own output there).
 */
export function siblingModule(from: string, name: string): string {
  const ext = /\.[cm]?[jt]s$/.exec(new URL(from).pathname)?.[0] ?? '.js';
  return new URL(`./${name}${ext}`, from).href;
}

export interface RunTasksOptions<T, R> {
  stage: Stage;
  /** Worker module whose default export maps a task to a WorkerReply. */
  workerModule: string;
  /** The same job in-process, for batches too small to pay for threads. */
  inline: (task: T) => Promise<WorkerReply<R>>;
  threads: number;
  /**
   * Fewer tasks than this run inline: starting threads costs ~100 ms each (module loading), more than a
   * small batch of work. Default 2 × threads.
   */
  minTasksForThreads?: number;
  signal?: AbortSignal;
  onResult?: (result: R, task: T) => void;
}

/** Run every task; resolve with results in task order, or reject with the first failure. */
export async function runTasks<T, R>(tasks: readonly T[], opts: RunTasksOptions<T, R>): Promise<R[]> {
  const results = new Array<R>(tasks.length);
  if (tasks.length === 0) return results;
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let firstError: unknown;
  const fail = (err: unknown) => {
    if (firstError === undefined) firstError = err;
    controller.abort();
  };
  const useThreads = opts.threads > 1 && tasks.length >= (opts.minTasksForThreads ?? opts.threads * 2);
  // piscina is loaded only when threads are used (small incremental runs never need it).
  const pool: PiscinaPool | undefined = useThreads
    ? new (await import('piscina')).Piscina({ filename: opts.workerModule, minThreads: opts.threads, maxThreads: opts.threads, idleTimeout: 1000 })
    : undefined;
  // A worker that finishes a task at the moment an abort cancels it posts a reply piscina no longer expects;
  // piscina reports that as an 'error' event, which unhandled would crash the process instead of the ABORT.
  pool?.on('error', (err) => fail(controller.signal.aborted ? new CancelledError(opts.stage) : err));
  const runOne = async (task: T): Promise<WorkerReply<R>> =>
    pool ? pool.run(task, { signal: controller.signal }) : opts.inline(task);
  try {
    // Keep a bounded number of tasks in flight so an abort leaves little queued work to unwind.
    const inFlight = useThreads ? opts.threads * 4 : 1;
    let next = 0;
    const lane = async () => {
      while (next < tasks.length && !controller.signal.aborted) {
        const i = next++;
        let reply: WorkerReply<R>;
        try {
          reply = await runOne(tasks[i]);
        } catch (err) {
          fail(controller.signal.aborted ? new CancelledError(opts.stage) : err);
          return;
        }
        if (!reply.ok) {
          fail(rebuildError(reply.error));
          return;
        }
        results[i] = reply.value;
        opts.onResult?.(reply.value, tasks[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, tasks.length) }, lane));
  } finally {
    opts.signal?.removeEventListener('abort', onOuterAbort);
    await pool?.destroy();
  }
  if (firstError !== undefined) throw firstError;
  if (opts.signal?.aborted) throw new CancelledError(opts.stage);
  return results;
}
