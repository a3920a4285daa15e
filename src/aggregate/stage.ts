// The Aggregate stage: every symbol's store brought up to date with its day files (aggregate.ts).
// A cold run (thousands of day files) runs symbols in worker threads, the symbols with the most day files
// first, so both threads stay busy to the end. A small run (an incremental day: one or two files per
// symbol) runs inline, where starting threads would cost more (~100 ms each) than the work, and commits
// every symbol in one batch: all fsyncs of the stage in flight together, then all indexes (store/commit.ts).
// The day files of all symbols are listed once, in the main thread, and handed to the tasks.
import { CancelledError } from '../errors.js';
import { Layout } from '../paths.js';
import { asWorkerReply, runTasks, siblingModule } from '../pipeline/pool.js';
import { CommitBatch } from '../store/commit.js';
import { readIndexFileSync } from '../store/indexFile.js';
import { aggregateSymbol, type AggregateStats } from './aggregate.js';
import { listDayFilesOf, type DayFile } from './dayFiles.js';

export interface AggregateTask {
  root: string;
  symbol: string;
  csv: boolean;
  /** Listed by planAggregate (omitted: aggregateSymbol lists them). */
  dayFiles?: { fromDate: number; files: DayFile[] };
}

/** Below this many day files to read in all, the stage runs inline (~50 µs a file: ~0.1 s). */
export const INLINE_MAX_DAY_FILES = 2000;
/** Inline, the shared batch is committed whenever it holds this many stores (bounds open descriptors). */
const INLINE_BATCH_STORES = 256;

/** The body of one task, in a worker or inline (then committing into `batch`, flushed by the caller). */
export function aggregateTask(task: AggregateTask, opts: { signal?: AbortSignal; batch?: CommitBatch; onRepair?: (message: string) => void } = {}): Promise<AggregateStats> {
  return aggregateSymbol(new Layout(task.root), task.symbol, { csv: task.csv, dayFiles: task.dayFiles, ...opts });
}

/**
 * The tasks of a stage run: each symbol's day files from the last day of its store on (all of them without
 * a store), listed in one walk of the folders. A damaged index counts as no store (the task reports it).
 */
export async function planAggregate(layout: Layout, symbols: readonly string[], csv: boolean): Promise<AggregateTask[]> {
  const wanted = symbols.map((symbol) => {
    let fromDate = 0;
    try {
      fromDate = readIndexFileSync(layout.aggregateIndex(symbol), 'Aggregate')?.lastDate ?? 0;
    } catch {
      fromDate = 0;
    }
    return { symbol, fromDate };
  });
  const lists = await listDayFilesOf(layout, wanted);
  return wanted.map(({ symbol, fromDate }) => ({ root: layout.root, symbol, csv, dayFiles: { fromDate, files: lists.get(symbol)! } }));
}

export async function runAggregate(
  tasks: readonly AggregateTask[],
  opts: {
    threads: number;
    signal?: AbortSignal;
    onRepair?: (message: string) => void;
    onProgress?: (done: number, total: number) => void;
    /** Run inline up to this many day files in all (default INLINE_MAX_DAY_FILES; -1 = threads whenever threads > 1). */
    inlineMaxDayFiles?: number;
  },
): Promise<AggregateStats[]> {
  const all: AggregateStats[] = [];
  if (tasks.length === 0) return all;
  // Unlisted tasks count as big; listed ones by their day files (the work is about the same per file).
  const size = (t: AggregateTask) => t.dayFiles?.files.length ?? INLINE_MAX_DAY_FILES;
  const total = tasks.reduce((a, t) => a + size(t), 0);
  const ordered = [...tasks].sort((a, b) => size(b) - size(a));
  const done = (stats: AggregateStats) => {
    all.push(stats);
    opts.onProgress?.(all.length, tasks.length);
  };
  if (opts.threads > 1 && tasks.length > 1 && total > (opts.inlineMaxDayFiles ?? INLINE_MAX_DAY_FILES)) {
    await runTasks<AggregateTask, AggregateStats>(ordered, {
      stage: 'Aggregate',
      workerModule: siblingModule(import.meta.url, 'worker'),
      inline: (task) => asWorkerReply('Aggregate', () => aggregateTask(task)),
      threads: opts.threads,
      minTasksForThreads: 2,
      signal: opts.signal,
      onResult: (stats) => {
        // Repairs done in a worker are reported as its symbol finishes.
        for (const m of stats.repairs) opts.onRepair?.(m);
        done(stats);
      },
    });
    return all;
  }
  const batch = new CommitBatch();
  try {
    for (const task of ordered) {
      if (opts.signal?.aborted) throw new CancelledError('Aggregate');
      done(await aggregateTask(task, { signal: opts.signal, batch, onRepair: opts.onRepair }));
      if (batch.pending >= INLINE_BATCH_STORES) await batch.flush();
    }
    await batch.flush();
  } catch (err) {
    await batch.abandon();
    throw err;
  }
  return all;
}
