// Crash repair of one resampled timeframe file, run before each resample of it (docs/resample.md,
// "Recovery"). Mirrors aggregate/repair.ts: the index is the commit point, the file is cut back to it.
//   1. stale index temp files are removed;
//   2. no index: the file was never committed → deleted, rebuilt from the source;
//   3. index written for another definition (fingerprint in last_date: rule, source chain, session,
//      shift changed in the config) → deleted, rebuilt from the source;
//   4. file missing, shorter than final_pos, bad header, a header of another generation than the index, or a
//      damaged index → CorruptFileError RESAMPLE_DAMAGED telling to run `candlestore rebuild resample`;
//   5. the provisional tail [final_pos, out_pos) not matching tail_crc, or the file ending inside it (killed
//      while the tail was rewritten) → cut to final_pos: the run derives the tail again from in_pos anyway;
//   6. longer than out_pos (killed after writing, before the index) → cut back to out_pos.
// Reads the header, the last final bar and the tail (a few bars), with synchronous syscalls only: the stage's
// fsyncs run on the thread pool meanwhile, and a pool round trip here would wait behind them.
import { closeSync, fstatSync, ftruncateSync, fsyncSync, openSync, readSync, rmSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { CorruptFileError, type Stage } from '../errors.js';
import { HEADER_SIZE, RECORD_SIZE, decodeHeader, type Header } from '../store/format.js';
import { readIndexFileSync, removeStaleTempsOfSync } from '../store/indexFile.js';
import type { StoreIndex } from '../store/indexFormat.js';
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
  /** The committed provisional tail, bytes [final_pos, out_pos) of `index`. */
  tail: Buffer;
  /** ts of the last final bar (NaN when there is none). */
  lastFinalKey: number;
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
  const nothing = (deleted: boolean): TimeframeState => ({ index: undefined, header: undefined, tail: Buffer.alloc(0), lastFinalKey: Number.NaN, deleted });
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
  // One open of the file: its size, header, last final bar and tail.
  let fd: number;
  try {
    fd = openSync(paths.store, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw damaged(paths.store, `the file is missing but its index ${paths.index} exists`);
    throw err;
  }
  let size: number;
  let header: Header;
  let tail: Buffer | undefined;
  let lastFinalKey = Number.NaN;
  let redefined = false;
  try {
    size = fstatSync(fd).size;
    if (index.finalPos > index.outPos) throw damaged(paths.index, `final_pos ${index.finalPos} is past out_pos ${index.outPos}`);
    if (size < index.finalPos) throw damaged(paths.store, `truncated: ${size} bytes but the index says ${index.finalPos} bytes are final`, size);
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
    else if (header.generation !== index.generation) throw damaged(paths.store, `the file is generation ${header.generation} but its index describes generation ${index.generation} (the file was replaced)`, 0);
    // The last final bar and, when the file reaches out_pos, the tail after it.
    if (!redefined) {
      const from = Math.max(HEADER_SIZE, index.finalPos - RECORD_SIZE);
      const to = size >= index.outPos ? index.outPos : index.finalPos;
      const bars = Buffer.alloc(to - from);
      if (readFully(fd, bars, from) !== bars.length) throw damaged(paths.store, `truncated while being read`, from);
      if (index.finalPos > HEADER_SIZE) lastFinalKey = Number(bars.readBigInt64LE(0));
      else if (index.dataCrc !== 0) throw damaged(paths.store, 'the index has a checksum for final bars the file does not hold', index.finalPos);
      if (to === index.outPos) {
        tail = bars.subarray(index.finalPos - from);
        if (crc32(tail) !== index.tailCrc) tail = undefined;
      }
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
  let committed = index;
  if (tail === undefined) {
    cutTo(paths.store, index.finalPos);
    report(`the provisional tail of ${paths.store} (bytes ${index.finalPos}..${index.outPos}) does not match the index (a run was interrupted while rewriting it): cut it off to derive it again`);
    committed = { ...index, outPos: index.finalPos, tailCrc: 0 };
    tail = Buffer.alloc(0);
  } else if (size > index.outPos) {
    cutTo(paths.store, index.outPos);
    report(`cut ${size - index.outPos} uncommitted bytes past out_pos ${index.outPos} off ${paths.store} (a run was interrupted after writing)`);
  }
  return { index: committed, header, tail, lastFinalKey, deleted: false };
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
