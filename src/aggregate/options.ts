// What the caller of aggregateSymbol passes in and gets back (aggregate.ts).
import type { CommitBatch } from '../store/commit.js';
import type { DayFile } from './dayFiles.js';
import type { MemoryDay } from './fromMemory.js';

/** Commit the index at the first final-day boundary after this many appended bytes. */
export const DEFAULT_COMMIT_BYTES = 64 * 1024 * 1024;

export interface AggregateStats {
  symbol: string;
  /** Day files opened this run. */
  daysRead: number;
  /** Records written this run: final days appended and the provisional tail when it was rewritten. */
  recordsAppended: number;
  /** Bytes read from day files, each file's 64-byte header included. */
  bytesRead: number;
  /** Days appended from memory as the caller converted them (AggregateOptions.converted): not read back. */
  daysFromMemory: number;
  /** Bytes of those day files. */
  bytesFromMemory: number;
  /** Index commits written this run. */
  commits: number;
  /** The provisional tail was rewritten (it changed, or provisional days became final). */
  tailRewritten: boolean;
  /** What crash repair did, one line each. */
  repairs: string[];
  /** The store was deleted and rebuilt from the day files. */
  rebuilt: boolean;
}

export interface AggregateOptions {
  /** Keep the CSV mirror `SYMBOL.csv` in step with the store. */
  csv: boolean;
  /** Cancels between day files (CancelledError); the store is put back to its last commit. */
  signal?: AbortSignal;
  /** Filled in as the run goes (also returned). */
  stats?: AggregateStats;
  /** Called with each repair message as it happens. */
  onRepair?: (message: string) => void;
  /** On a damaged store, rebuild it from the day files instead of refusing with STORE_DAMAGED. */
  autoRebuild?: boolean;
  /** Check data_crc over the store's final part before appending (reads it all; verify does this too). */
  fullCheck?: boolean;
  /** Write chunk size (default 4 MiB). */
  chunkBytes?: number;
  /** Commit the index at the first final-day boundary after this many appended bytes (default 64 MiB). */
  commitBytes?: number;
  /**
   * Put the last commit into this batch and return before it: the caller flushes the batch (then the store
   * is committed) or abandons it. Default: the last commit is done before returning.
   */
  batch?: CommitBatch;
  /**
   * The symbol's day files dated on or after `fromDate` (listDayFilesOf, one walk for a whole stage). Used
   * when the store's last final day is not before `fromDate`; otherwise (a store repaired or rebuilt from
   * scratch) the folders are listed again.
   */
  dayFiles?: { fromDate: number; files: DayFile[] };
  /** Only these days (the run's --from/--to); `firstDate` applies to a store being created. */
  bounds?: DayBounds;
  /**
   * Days the caller converts as the run reaches them (fromMemory.ts): merged into the listed day files (a
   * converted day replaces the file of its date) and appended from memory, not read back.
   */
  converted?: readonly MemoryDay[];
  /** Called with the batch of each commit before its index is added (the caller adds what must be durable first). */
  beforeCommit?: (batch: CommitBatch) => void;
}

/** YYYYMMDD, inclusive; firstDate 0 = no lower bound. */
export interface DayBounds {
  firstDate: number;
  lastDate: number;
}

export function newAggregateStats(symbol: string): AggregateStats {
  return { symbol, daysRead: 0, recordsAppended: 0, bytesRead: 0, daysFromMemory: 0, bytesFromMemory: 0, commits: 0, tailRewritten: false, repairs: [], rebuilt: false };
}
