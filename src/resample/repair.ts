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
import { closeSync, fstatSync, ftruncateSync, fsyncSync, openSync, readSync, rmSync } from 'node:fs';
import { CorruptFileError, type Stage } from '../errors.js';
import { HEADER_SIZE, RECORD_SIZE, decodeHeader, type Header } from '../store/format.js';
import { readIndexFileSync, removeStaleTempsOfSync } from '../store/indexFile.js';
import { tailCrcOf, type StoreIndex } from '../store/indexFormat.js';
import { fileSizeSync } from '../store/writer.js';

const STAGE = 'Resample' satisfies Stage;
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

/** `listings`: index folder listings shared by the timeframes of one run of one thread (removeStaleTempsSync). */
export async function repairTimeframe(
  paths: TimeframePaths, symbol: string, timeframe: string, fingerprint: number, report: (message: string) => void, listings?: Map<string, string[]>,
): Promise<TimeframeState> {
  const nothing = (deleted: boolean): TimeframeState => ({ index: undefined, header: undefined, openBytes: undefined, deleted });
  const temps = removeStaleTempsOfSync(paths.index, listings);
  if (temps > 0) report(`removed ${temps} stale temp file(s) of ${paths.index} left by an interrupted run`);
  let index: StoreIndex | undefined;
  try {
    index = readIndexFileSync(paths.index, STAGE);
  } catch (err) {
    if (err instanceof CorruptFileError) throw damaged(paths.index, err.message);
    throw err;
  }
  if (index === undefined) {
    if (fileSizeSync(paths.store) === undefined) return nothing(false);
    rmSync(paths.store, { force: true });
    report(`${paths.store} has no index (its first run was interrupted, or the index was deleted): deleted it to rebuild from its source`);
    return nothing(true);
  }
  // One open of the file: its size, header, last closed bar and open bar.
  let fd: number;
  try {
    fd = openSync(paths.store, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw damaged(paths.store, `the file is missing but its index ${paths.index} exists`);
    throw err;
  }
  let size: number;
  let header: Header;
  let openBytes: Buffer | undefined;
  let redefined = false;
  try {
    size = fstatSync(fd).size;
    if (size < index.outPos) throw damaged(paths.store, `truncated: ${size} bytes but the index says ${index.outPos} were committed`, size);
    const head = Buffer.alloc(Math.min(size, HEADER_SIZE));
    readFully(fd, head, 0);
    try {
      header = decodeHeader(head, paths.store, STAGE, { symbol, timeframe });
    } catch (err) {
      if (err instanceof CorruptFileError) throw damaged(paths.store, stripFile(err));
      throw err;
    }
    // Built with another definition: nothing of it is kept, so its bars need no checking.
    if (header.definition !== fingerprint) redefined = true;
    else {
      if (header.generation !== index.generation) throw damaged(paths.index, `its generation ${index.generation} is not the file's ${header.generation} (the index belongs to another incarnation of the file)`);
      // The last closed bar (before out_pos) and the open bar after it, when the file holds exactly that.
      const from = Math.max(HEADER_SIZE, index.outPos - RECORD_SIZE);
      const to = size === index.outPos + RECORD_SIZE ? size : index.outPos;
      const bars = Buffer.alloc(to - from);
      if (readFully(fd, bars, from) !== bars.length) throw damaged(paths.store, `truncated while being read`, from);
      if (index.outPos > HEADER_SIZE) {
        if (tailCrcOf(bars.subarray(0, RECORD_SIZE)) !== index.tailCrc) throw damaged(paths.store, `the last closed bar does not match the index's tail_crc`, index.outPos - RECORD_SIZE);
      } else if (index.tailCrc !== 0 || index.dataCrc !== 0) {
        throw damaged(paths.store, 'the index has checksums for bars the file does not hold', index.outPos);
      }
      if (to > index.outPos) openBytes = bars.subarray(bars.length - RECORD_SIZE);
    }
  } finally {
    closeSync(fd);
  }
  if (redefined) {
    rmSync(paths.index, { force: true });
    rmSync(paths.store, { force: true });
    report(`${paths.store} was built with another definition of ${timeframe} (rule, source, session or time shift changed in the config): deleted it to rebuild from its source`);
    return nothing(true);
  }
  if (size > index.outPos + RECORD_SIZE) {
    cutTo(paths.store, index.outPos);
    report(`cut ${size - index.outPos} uncommitted bytes past out_pos ${index.outPos} off ${paths.store} (a run was interrupted after writing)`);
  }
  return { index, header, openBytes, deleted: false };
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

function readFully(fd: number, buf: Buffer, pos: number): number {
  let got = 0;
  while (got < buf.length) {
    const n = readSync(fd, buf, got, buf.length - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

function stripFile(err: CorruptFileError): string {
  const suffix = err.message.lastIndexOf(` (${err.file}`);
  return suffix > 0 ? err.message.slice(0, suffix) : err.message;
}
