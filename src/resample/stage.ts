// The Resample stage: resolve each symbol's plan in the main thread (config errors surface before any work,
// as ConfigError), then resample symbols in parallel worker threads, fail-fast; inside a symbol the
// timeframes run in dependency order. Tasks are plain data so they cross the thread boundary.
// Scheduling: each worker thread gets one group of symbols, the groups balanced by new 1m rows, and commits
// its group as one batch (store/commit.ts): big files are fsynced as soon as they are written while the
// thread goes on with the next symbol, and it never waits for a symbol's commit before starting the next.
// When the whole stage has little to do (an incremental run: a day per symbol) it runs inline, where
// starting threads would cost more (~100 ms each) than the work, with every symbol in one batch: all fsyncs
// of the stage in flight together, then all indexes.
import type { Config } from '../config/schema.js';
import { Layout } from '../paths.js';
import { balancedGroups } from '../workers/balance.js';
import { asWorkerReply, runTasks, siblingModule } from '../workers/pool.js';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { dirname } from 'node:path';
import { mkdirDurableSync } from '../util/fsx.js';
import { CancelledError, CandleError } from '../errors.js';
import { CommitBatch, inCommitBatches } from '../store/commit.js';
import { HEADER_SIZE, RECORD_SIZE } from '../store/format.js';
import { readIndexFileSync } from '../store/indexFile.js';
import { resolveSymbolPlan, type SymbolPlan } from '../timeframes/plan.js';
import { resampleSymbol, type ResampleStats } from './resample.js';
import { BASE_TIMEFRAME } from '../timeframes/rules.js';

export interface ResampleTask {
  root: string;
  plan: SymbolPlan;
  /** The run's clock (epoch ms): bars whose period has not ended by then are open and provisional. */
  nowMs: number;
  chunkBytes?: number;
}

export interface ResampleSummary {
  symbols: number;
  /** Symbols skipped (no aggregate store yet). */
  skipped: number;
  barsClosed: number;
  rowsRead: number;
  bytesRead: number;
  /** Timeframe files rewritten this run (the others had nothing new). */
  filesChanged: number;
  repairs: string[];
  perSymbol: ResampleStats[];
}

/**
 * Below this many new 1m rows for the whole stage (summed over the timeframes built from 1m), symbols run
 * inline: at ~5 M rows/s per thread that is ~0.2 s of work, about what starting the worker threads costs.
 */
export const INLINE_MAX_ROWS = 1_000_000;
/** A batch is committed whenever it holds this many files (bounds open descriptors). */
const BATCH_FILES = 512;
/** Per-symbol work beside its rows, in rows (opening and checking nine timeframe files). */
const SYMBOL_OVERHEAD_ROWS = 20_000;

/** One task per symbol; throws ConfigError naming the key when a symbol's resolved plan is invalid. */
export function planResample(layout: Layout, config: Config, symbols: readonly string[], nowMs: number = Date.now()): ResampleTask[] {
  return symbols.map((symbol) => ({ root: layout.root, plan: resolveSymbolPlan(config, symbol), nowMs }));
}

/** One symbol (committing into `batch` when given: the caller flushes it). */
export function resampleTask(task: ResampleTask, batch?: CommitBatch): Promise<ResampleStats> {
  return resampleSymbol(new Layout(task.root), task.plan, { chunkBytes: task.chunkBytes, batch, nowMs: task.nowMs });
}

/**
 * Symbols one after another, committed together: one batch, flushed every BATCH_FILES files and at the end.
 * The body of a worker's task, and the inline stage. `onDone` sees each symbol's stats before its commit.
 */
export async function resampleGroup(tasks: readonly ResampleTask[], opts: { signal?: AbortSignal; onDone?: (stats: ResampleStats) => void } = {}): Promise<ResampleStats[]> {
  // Each index folder is listed once for the group, not once per symbol (stale temps of a killed run).
  const tempListings = new Map<string, string[]>();
  return inCommitBatches(
    tasks,
    BATCH_FILES,
    (task, batch) => resampleSymbol(new Layout(task.root), task.plan, { chunkBytes: task.chunkBytes, batch, signal: opts.signal, tempListings, nowMs: task.nowMs }),
    {
      beforeEach: async () => {
        // A symbol's work is synchronous: let a signal or an abort in (it is an event) before the next one.
        if (opts.signal) await nextTurn();
        if (opts.signal?.aborted) throw new CancelledError('Resample');
      },
      onDone: opts.onDone,
    },
  );
}

/**
 * New 1m rows a task will fold: the aggregate store's committed end minus each 1m-sourced timeframe's in_pos
 * (all of it for a timeframe without an index). Reads two or so 64-byte indexes; anything unreadable counts
 * as a full rebuild (the task itself reports the damage).
 */
export function estimateRows(task: ResampleTask): number {
  const layout = new Layout(task.root);
  const symbol = task.plan.symbol;
  let end: number;
  try {
    end = readIndexFileSync(layout.aggregateIndex(symbol), 'Resample')?.outPos ?? HEADER_SIZE;
  } catch {
    return Number.MAX_SAFE_INTEGER / 1024;
  }
  let rows = 0;
  for (const tf of task.plan.timeframes) {
    if (tf.source !== BASE_TIMEFRAME) continue;
    let from = HEADER_SIZE;
    try {
      from = readIndexFileSync(layout.resampleIndex(tf.name, symbol), 'Resample')?.inPos ?? HEADER_SIZE;
    } catch {
      from = HEADER_SIZE;
    }
    rows += Math.max(0, end - Math.min(from, end)) / RECORD_SIZE;
  }
  return rows;
}

/**
 * The folders of the timeframe files the tasks may write, made (and fsynced into their parents) before any
 * thread starts: a folder fsync while a cold run's big files are being written waits for their data
 * (ordered journal), ~10–20 ms each, and every thread's first symbol made them one at a time.
 */
function makeTimeframeFolders(tasks: readonly ResampleTask[]): void {
  const done = new Set<string>();
  for (const task of tasks) {
    const layout = new Layout(task.root);
    for (const tf of task.plan.timeframes) {
      const dir = dirname(layout.resampleStore(tf.name, task.plan.symbol));
      if (done.has(dir)) continue;
      done.add(dir);
      try {
        mkdirDurableSync(dir);
      } catch (err) {
        throw new CandleError('Resample', 'IO_ERROR', `cannot make the folder ${dir}: ${(err as Error).message}`, { cause: err });
      }
    }
  }
}

export async function runResample(
  tasks: readonly ResampleTask[],
  opts: {
    threads: number;
    signal?: AbortSignal;
    onProgress?: (done: number, total: number) => void;
    /** Run inline below this many new 1m rows in all (default INLINE_MAX_ROWS; 0 = threads whenever threads > 1). */
    inlineMaxRows?: number;
  },
): Promise<ResampleSummary> {
  const summary: ResampleSummary = { symbols: 0, skipped: 0, barsClosed: 0, rowsRead: 0, bytesRead: 0, filesChanged: 0, repairs: [], perSymbol: [] };
  const add = (s: ResampleStats) => {
    summary.symbols++;
    if (s.skipped) summary.skipped++;
    for (const tf of s.timeframes) {
      summary.barsClosed += tf.barsClosed;
      summary.rowsRead += tf.rowsRead;
      summary.bytesRead += tf.bytesRead;
      if (tf.changed) summary.filesChanged++;
      summary.repairs.push(...tf.repairs);
    }
    summary.perSymbol.push(s);
    opts.onProgress?.(summary.symbols, tasks.length);
  };
  const sized = tasks.map((task) => ({ task, rows: estimateRows(task) }));
  const totalRows = sized.reduce((a, t) => a + t.rows, 0);
  makeTimeframeFolders(sized.filter((t) => t.rows > 0).map((t) => t.task));
  if (opts.threads <= 1 || tasks.length < 2 || totalRows < (opts.inlineMaxRows ?? INLINE_MAX_ROWS)) {
    await resampleGroup(tasks, { signal: opts.signal, onDone: add });
    return summary;
  }
  const groups = balancedGroups(sized, opts.threads, (t) => t.rows + SYMBOL_OVERHEAD_ROWS).map((g) => g.map((t) => t.task));
  await runTasks<ResampleTask[], ResampleStats[]>(groups, {
    stage: 'Resample',
    workerModule: siblingModule(import.meta.url, 'worker'),
    inline: (group) => asWorkerReply('Resample', () => resampleGroup(group)),
    threads: opts.threads,
    minTasksForThreads: 2,
    signal: opts.signal,
    onResult: (list) => list.forEach(add),
  });
  return summary;
}
