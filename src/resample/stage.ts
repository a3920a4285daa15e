// The Resample stage: resolve each symbol's plan in the main thread (config errors surface before any work,
// as ConfigError), then resample symbols in parallel worker threads, fail-fast; inside a symbol the
// timeframes run in dependency order. Tasks are plain data so they cross the thread boundary.
// Scheduling: symbols with the most new 1m rows first (so a big symbol does not run alone at the end), and
// when the whole stage has little to do (an incremental run: a day per symbol) it runs inline, where
// starting threads would cost more (~100 ms each) than the work, with every symbol's commits in one batch:
// all fsyncs of the stage in flight together, then all indexes (store/commit.ts).
import type { Config } from '../config/schema.js';
import { Layout } from '../paths.js';
import { asWorkerReply, runTasks, siblingModule } from '../pipeline/pool.js';
import { CommitBatch } from '../store/commit.js';
import { HEADER_SIZE, RECORD_SIZE } from '../store/format.js';
import { readIndexFileSync } from '../store/indexFile.js';
import { resolveSymbolPlan, type SymbolPlan } from './plan.js';
import { resampleSymbol, type ResampleStats } from './resample.js';
import { BASE_TIMEFRAME } from './rules.js';

export interface ResampleTask {
  root: string;
  plan: SymbolPlan;
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
/** Inline, the shared batch is committed whenever it holds this many files (bounds open descriptors). */
const INLINE_BATCH_FILES = 512;

/** One task per symbol; throws ConfigError naming the key when a symbol's resolved plan is invalid. */
export function planResample(layout: Layout, config: Config, symbols: readonly string[]): ResampleTask[] {
  return symbols.map((symbol) => ({ root: layout.root, plan: resolveSymbolPlan(config, symbol) }));
}

/** The body of one task, in a worker or inline (then committing into `batch`, flushed by the caller). */
export function resampleTask(task: ResampleTask, batch?: CommitBatch): Promise<ResampleStats> {
  return resampleSymbol(new Layout(task.root), task.plan, { chunkBytes: task.chunkBytes, batch });
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
  const sized = tasks.map((task) => ({ task, rows: estimateRows(task) }));
  const totalRows = sized.reduce((a, t) => a + t.rows, 0);
  const inline = opts.threads <= 1 || tasks.length < 2 || totalRows < (opts.inlineMaxRows ?? INLINE_MAX_ROWS);
  // Biggest first: the last task to start is a small one, so both threads finish at about the same time.
  const ordered = sized.sort((a, b) => b.rows - a.rows).map((t) => t.task);
  const batch = new CommitBatch();
  try {
    await runTasks<ResampleTask, ResampleStats>(ordered, {
      stage: 'Resample',
      workerModule: siblingModule(import.meta.url, 'worker'),
      inline: (task) =>
        asWorkerReply('Resample', async () => {
          const stats = await resampleTask(task, batch);
          if (batch.pending >= INLINE_BATCH_FILES) await batch.flush();
          return stats;
        }),
      threads: opts.threads,
      minTasksForThreads: inline ? Number.POSITIVE_INFINITY : 2,
      signal: opts.signal,
      onResult: (s) => {
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
      },
    });
    await batch.flush();
  } catch (err) {
    await batch.abandon();
    throw err;
  }
  return summary;
}
