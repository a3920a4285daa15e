// Crash repair of one resampled timeframe file, run before each resample of it (docs/resample.md,
// "Recovery"). Mirrors aggregate/repair.ts: the index is the commit point, the file is cut back to it.
//   1. stale index temp files are removed;
//   2. no index: the file was never committed → deleted, rebuilt from the source;
//   3. index written for another definition (fingerprint in last_date: rule, source chain, session,
//      shift changed in the config) → deleted, rebuilt from the source;
//   4. file missing, shorter than out_pos, bad header, or the last closed bar not matching tail_crc, or a
//      damaged index → CorruptFileError RESAMPLE_DAMAGED telling to run `candlestore rebuild resample`;
//   5. longer than out_pos + one open bar (killed after writing, before the index) → cut back to out_pos.
// The open bar at out_pos is never trusted: it is recomputed from in_pos every run. Reads O(1) bytes, with
// synchronous syscalls only: the stage's fsyncs run on the thread pool meanwhile, and a pool round trip here
// would wait behind them.
import { closeSync, ftruncateSync, fsyncSync, openSync, readSync, rmSync } from 'node:fs';
import { CorruptFileError, type Stage } from '../errors.js';
import type { Header } from '../store/format.js';
import { RECORD_SIZE } from '../store/format.js';
import { readIndexFileSync, removeStaleTempsOfSync } from '../store/indexFile.js';
import { tailCrcOf, type StoreIndex } from '../store/indexFormat.js';
import { StoreReader } from '../store/reader.js';
import { fileSizeSync } from '../store/writer.js';

const STAGE: Stage = 'Resample';
export const REBUILD_HINT = 'run `candlestore rebuild resample` to rebuild the resampled timeframes from the aggregate store';

export interface TimeframePaths {
  store: string;
  index: string;
}

export interface TimeframeState {
  /** The committed index; undefined = start from scratch. */
  index: StoreIndex | undefined;
  header: Header | undefined;
  /** The 64 bytes at out_pos when the file is exactly out_pos + one record long (the last open bar). */
  openBytes: Buffer | undefined;
  /** The file was deleted (never committed, or built from another definition). */
  deleted: boolean;
}

export function damaged(file: string, message: string, offset?: number): CorruptFileError {
  return new CorruptFileError(STAGE, file, `resampled file damaged: ${message}; ${REBUILD_HINT}`, offset, 'RESAMPLE_DAMAGED');
}

export async function repairTimeframe(
  paths: TimeframePaths, symbol: string, timeframe: string, fingerprint: number, report: (message: string) => void,
): Promise<TimeframeState> {
  const nothing = (deleted: boolean): TimeframeState => ({ index: undefined, header: undefined, openBytes: undefined, deleted });
  const temps = removeStaleTempsOfSync(paths.index);
  if (temps > 0) report(`removed ${temps} stale temp file(s) of ${paths.index} left by an interrupted run`);
  let index: StoreIndex | undefined;
  try {
    index = readIndexFileSync(paths.index, STAGE);
  } catch (err) {
    if (err instanceof CorruptFileError) throw damaged(paths.index, err.message);
    throw err;
  }
  const size = fileSizeSync(paths.store);
  if (index === undefined) {
    if (size === undefined) return nothing(false);
    rmSync(paths.store, { force: true });
    report(`${paths.store} has no index (its first run was interrupted, or the index was deleted): deleted it to rebuild from its source`);
    return nothing(true);
  }
  if (index.lastDate !== fingerprint) {
    rmSync(paths.index, { force: true });
    rmSync(paths.store, { force: true });
    report(`${paths.store} was built with another definition of ${timeframe} (rule, source, session or time shift changed in the config): deleted it to rebuild from its source`);
    return nothing(true);
  }
  if (size === undefined) throw damaged(paths.store, `the file is missing but its index ${paths.index} exists`);
  if (size < index.outPos) throw damaged(paths.store, `truncated: ${size} bytes but the index says ${index.outPos} were committed`, size);
  let reader: StoreReader;
  try {
    reader = await StoreReader.open(paths.store, { stage: STAGE, expect: { symbol, timeframe }, limit: index.outPos });
  } catch (err) {
    if (err instanceof CorruptFileError) throw damaged(paths.store, stripFile(err));
    throw err;
  }
  try {
    if (reader.recordCount > 0) {
      const tail = await reader.readRange(reader.recordCount - 1, 1);
      if (tailCrcOf(tail.record(0)) !== index.tailCrc) throw damaged(paths.store, `the last closed bar does not match the index's tail_crc`, tail.startPos);
    } else if (index.tailCrc !== 0 || index.dataCrc !== 0) {
      throw damaged(paths.store, 'the index has checksums for bars the file does not hold', reader.endPos);
    }
  } finally {
    await reader.close();
  }
  let openBytes: Buffer | undefined;
  if (size > index.outPos + RECORD_SIZE) {
    cutTo(paths.store, index.outPos);
    report(`cut ${size - index.outPos} uncommitted bytes past out_pos ${index.outPos} off ${paths.store} (a run was interrupted after writing)`);
  } else if (size === index.outPos + RECORD_SIZE) {
    openBytes = readAt(paths.store, index.outPos, RECORD_SIZE);
  }
  return { index, header: reader.header, openBytes, deleted: false };
}

function cutTo(file: string, size: number): void {
  const fd = openSync(file, 'r+');
  try {
    ftruncateSync(fd, size);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function readAt(file: string, pos: number, length: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    const got = readSync(fd, buf, 0, length, pos);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

function stripFile(err: CorruptFileError): string {
  const suffix = err.message.lastIndexOf(` (${err.file}`);
  return suffix > 0 ? err.message.slice(0, suffix) : err.message;
}
