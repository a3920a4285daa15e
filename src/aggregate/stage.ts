// The Aggregate stage: every symbol's store brought up to date with its day files (aggregate.ts).
// A cold run (thousands of day files) runs in worker threads, one group of symbols per thread, the groups
// balanced by bytes of day files; a thread commits its group as one batch, so it goes on with its next symbol while
// the last one's data is being fsynced. A small run (an incremental day: one or two files per symbol) runs
// inline, where starting threads would cost more (~100 ms each) than the work, and commits every symbol in
// one batch: all fsyncs of the stage in flight together, then all indexes (store/commit.ts).
// The day files of all symbols are listed once, in the main thread, and handed to the tasks.
import { statSync } from 'node:fs';
import { CancelledError } from '../errors.js';
import { Layout } from '../paths.js';
import { balancedGroups } from '../workers/balance.js';
import { asWorkerReply, runTasks, siblingModule } from '../workers/pool.js';
import { CommitBatch, inCommitBatches } from '../store/commit.js';
import { readIndexFileSync } from '../store/indexFile.js';
import { aggregateSymbol, type AggregateStats, type DayBounds } from './aggregate.js';
import { listDayFilesOf, type DayFile } from './dayFiles.js';

export interface AggregateTask {
  root: string;
  symbol: string;
  csv: boolean;
  /** Listed by planAggregate (omitted: aggregateSymbol lists them). */
  dayFiles?: { fromDate: number; files: DayFile[] };
  /** Estimated bytes of those day files (planAggregate: sizes of a sample of them). */
  bytes?: number;
  /** Days the store may take (YYYYMMDD, inclusive; the run's --from/--to). */
  bounds?: DayBounds;
}

/** Below this many day files to read in all, the stage runs inline (~50 µs a file: ~0.1 s). */
export const INLINE_MAX_DAY_FILES = 2000;
/** Day files whose size is read to estimate a symbol's bytes. */
const SIZE_SAMPLES = 16;
/** A day file of 1440 1m records. */
const TYPICAL_DAY_BYTES = 64 + 1440 * 64;
/** A batch is committed whenever it holds this many stores (bounds open descriptors). */
const BATCH_STORES = 256;

/** One symbol (committing into `batch` when given: the caller flushes it). */
export function aggregateTask(task: AggregateTask, opts: { signal?: AbortSignal; batch?: CommitBatch; onRepair?: (message: string) => void } = {}): Promise<AggregateStats> {
  return aggregateSymbol(new Layout(task.root), task.symbol, { csv: task.csv, dayFiles: task.dayFiles, bounds: task.bounds, ...opts });
}

/**
 * Symbols one after another, their last commits in one batch (flushed every BATCH_STORES stores and at the
 * end). The body of a worker's task, and the inline stage. `onDone` sees each symbol's stats before its commit.
 */
export async function aggregateGroup(
  tasks: readonly AggregateTask[],
  opts: { signal?: AbortSignal; onRepair?: (message: string) => void; onDone?: (stats: AggregateStats) => void } = {},
): Promise<AggregateStats[]> {
  return inCommitBatches(tasks, BATCH_STORES, (task, batch) => aggregateTask(task, { signal: opts.signal, batch, onRepair: opts.onRepair }), {
    beforeEach: () => {
      if (opts.signal?.aborted) throw new CancelledError('Aggregate');
    },
    onDone: opts.onDone,
  });
}

/**
 * The tasks of a stage run: each symbol's day files from the last day of its store on (all of them without
 * a store), listed in one walk of the folders. A damaged index counts as no store (the task reports it).
 */
export async function planAggregate(layout: Layout, symbols: readonly string[], csv: boolean, boundsOf?: (symbol: string) => DayBounds): Promise<AggregateTask[]> {
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
  return wanted.map(({ symbol, fromDate }) => {
    const files = lists.get(symbol)!;
    const bounds = boundsOf?.(symbol);
    const inBounds = bounds ? files.filter((f) => f.date <= bounds.lastDate) : files;
    return { root: layout.root, symbol, csv, dayFiles: { fromDate, files }, bytes: estimateBytes(inBounds), bounds };
  });
}

/**
 * Bytes of `files` from the sizes of at most SIZE_SAMPLES of them, evenly spread: symbols differ 4× in rows
 * a day (a 24/7 market against an index's cash session), so the file count alone balances threads badly.
 */
function estimateBytes(files: readonly DayFile[]): number {
  if (files.length === 0) return 0;
  const step = Math.max(1, Math.floor(files.length / SIZE_SAMPLES));
  let sum = 0;
  let seen = 0;
  for (let i = 0; i < files.length; i += step) {
    const size = statSync(files[i].file, { throwIfNoEntry: false })?.size;
    if (size === undefined) continue;
    sum += size;
    seen++;
  }
  return seen === 0 ? files.length * TYPICAL_DAY_BYTES : (sum / seen) * files.length;
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
  const done = (stats: AggregateStats) => {
    all.push(stats);
    opts.onProgress?.(all.length, tasks.length);
  };
  // Unlisted tasks count as big. Inline or threads by day files (the fixed cost is per file); the groups
  // of the threads balanced by bytes (the rest of the cost).
  const files = (t: AggregateTask) => t.dayFiles?.files.length ?? INLINE_MAX_DAY_FILES;
  const size = (t: AggregateTask) => t.bytes ?? files(t) * TYPICAL_DAY_BYTES;
  const total = tasks.reduce((a, t) => a + files(t), 0);
  if (opts.threads <= 1 || tasks.length < 2 || total <= (opts.inlineMaxDayFiles ?? INLINE_MAX_DAY_FILES)) {
    await aggregateGroup(tasks, { signal: opts.signal, onRepair: opts.onRepair, onDone: done });
    return all;
  }
  await runTasks<AggregateTask[], AggregateStats[]>(balancedGroups(tasks, opts.threads, size), {
    stage: 'Aggregate',
    workerModule: siblingModule(import.meta.url, 'worker'),
    inline: (group) => asWorkerReply('Aggregate', () => aggregateGroup(group)),
    threads: opts.threads,
    minTasksForThreads: 2,
    signal: opts.signal,
    onResult: (list) => {
      for (const stats of list) {
        // Repairs done in a worker are reported as its group finishes.
        for (const m of stats.repairs) opts.onRepair?.(m);
        done(stats);
      }
    },
  });
  return all;
}
