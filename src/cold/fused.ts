// The fused cold path, one symbol: its new days are converted and appended in one pass. The append run of
// the aggregate stage (aggregateSymbol) walks the symbol's days in date order; when it reaches a day to
// convert, the transform of that day runs (raw JSON → day file, written as the transform stage writes it)
// and hands the day file's bytes to the append run, which appends them without reading the file back
// (aggregate/fromMemory.ts). The day files stay the on-disk layout (`rebuild aggregate` reads them), and the
// store, index and CSV mirror come out byte for byte as the stage-by-stage path makes them.
// Crash safety is the append run's: every commit is preceded by the fsync of the folders that gained day
// files since the last one (the transform stage fsyncs them once at its end), so a store never commits
// records whose day file a power loss could unlist. Errors keep their stage: a day that fails to convert
// is a Transform error, a failure to append an Aggregate one.
import { dirname } from 'node:path';
import { CancelledError, CandleError } from '../errors.js';
import { Layout } from '../paths.js';
import { aggregateSymbol, newAggregateStats, type AggregateStats, type DayBounds } from '../aggregate/aggregate.js';
import { asAggregateError } from '../aggregate/aggregateError.js';
import type { MemoryDay } from '../aggregate/fromMemory.js';
import { CommitBatch, inCommitBatches } from '../store/commit.js';
import { addTransformResult, transformDayFile, type TransformResult, type TransformSums, type TransformTask } from '../transform/transformDay.js';
import { compactDay } from '../util/dates.js';

export interface FusedTask {
  root: string;
  symbol: string;
  csv: boolean;
  /** Days the store may take (YYYYMMDD, inclusive; the run's --from/--to). */
  bounds?: DayBounds;
  /** Every transform task of the symbol this run, in date order. */
  days: TransformTask[];
  /** Raw JSON bytes to convert (from the cache manifests): the weight that spreads symbols over threads. */
  bytes: number;
  /** Commit every this many appended bytes (default: the aggregate stage's). */
  commitBytes?: number;
}

export interface FusedResult {
  symbol: string;
  /** The transform side, summed over the symbol's days. */
  transform: TransformSums;
  aggregate: AggregateStats;
}

/** A batch is flushed whenever it holds this many stores (bounds open descriptors), as in the aggregate stage. */
const BATCH_STORES = 256;

export function emptyTransformSums(): FusedResult['transform'] {
  return { days: 0, candles: 0, bytesIn: 0, bytesOut: 0, zeroVolumeDropped: 0, overlapDropped: 0 };
}

/**
 * Convert and append one symbol. `batch`: its last commit joins it (the caller flushes). `onDay` is called
 * after each converted day.
 */
export async function fuseSymbol(task: FusedTask, opts: { batch?: CommitBatch; signal?: AbortSignal; onDay?: () => void } = {}): Promise<FusedResult> {
  const layout = new Layout(task.root);
  const sums = emptyTransformSums();
  const converted = new Array<boolean>(task.days.length).fill(false);
  // Folders that gained a final day file since the last commit (made durable before it), and the folders
  // above them once (new year folders, and data/transform itself on a first run).
  const gained = new Set<string>();
  const above = new Set([layout.transformDir, dirname(layout.transformDir), dirname(dirname(layout.transformDir))]);
  let failure: CandleError | undefined;
  const convert = (i: number): Buffer => {
    const day = task.days[i];
    let bin: Buffer | undefined;
    let r: TransformResult;
    try {
      r = transformDayFile(day, (b) => (bin = b));
    } catch (err) {
      failure = asTransformError(err);
      throw failure;
    }
    converted[i] = true;
    addTransformResult(sums, r);
    if (!day.live) {
      const month = dirname(day.output);
      if (!gained.has(month)) {
        gained.add(month);
        above.add(dirname(month));
      }
    }
    opts.onDay?.();
    return bin!;
  };
  const syncFolders = (batch: CommitBatch) => {
    const wrap = (err: unknown) => asAggregateError(err, layout.transformDir, task.symbol);
    for (const dir of [...gained, ...above]) batch.newEntryIn(dir, wrap);
    gained.clear();
    above.clear();
  };
  const memoryDays: MemoryDay[] = task.days.map((day, i) => ({ date: Number(compactDay(day.day)), file: day.output, live: day.live, convert: () => convert(i) }));
  let aggregate: AggregateStats;
  try {
    aggregate = await aggregateSymbol(layout, task.symbol, {
      csv: task.csv,
      bounds: task.bounds,
      converted: memoryDays,
      beforeCommit: syncFolders,
      batch: opts.batch,
      signal: opts.signal,
      stats: newAggregateStats(task.symbol),
      commitBytes: task.commitBytes,
    });
  } catch (err) {
    if (failure) {
      // The append run tags whatever it saw fail as its own; a day that did not convert is the transform's.
      failure.stage = 'Transform';
      throw failure;
    }
    throw err;
  }
  // Days the store did not take (before its last final day, after --to, a live day beside its closed file)
  // are converted all the same, as the transform stage would have.
  for (let i = 0; i < task.days.length; i++) {
    if (opts.signal?.aborted) throw new CancelledError('Transform');
    if (!converted[i]) convert(i);
  }
  if (gained.size > 0) {
    const batch = opts.batch ?? new CommitBatch();
    syncFolders(batch);
    if (!opts.batch) await batch.flush();
  }
  return { symbol: task.symbol, transform: sums, aggregate };
}

/** Symbols one after another, their last commits in one batch: a worker's task, or the inline run. */
export async function fusedGroup(tasks: readonly FusedTask[], opts: { signal?: AbortSignal; onDay?: () => void; onDone?: (r: FusedResult) => void } = {}): Promise<FusedResult[]> {
  return inCommitBatches(tasks, BATCH_STORES, (task, batch) => fuseSymbol(task, { batch, signal: opts.signal, onDay: opts.onDay }), {
    beforeEach: () => {
      if (opts.signal?.aborted) throw new CancelledError('Transform');
    },
    onDone: opts.onDone,
  });
}

/** What the transform stage's worker would report for an error thrown converting a day. */
function asTransformError(err: unknown): CandleError {
  if (err instanceof CandleError) return err;
  return new CandleError('Transform', 'INTERNAL', err instanceof Error ? err.message : String(err), { cause: err });
}
