// Crash repair of an aggregate store, run at the start of every aggregateSymbol (docs/format.md,
// "Recovery"). It brings the store, its CSV mirror and its index back to the last commit, or refuses:
//   - stale index temp files are removed;
//   - no index: whatever store/CSV exists was never committed, so it is deleted and rebuilt from scratch;
//   - the provisional tail [final_pos, out_pos) not matching tail_crc, or the store ending inside it (killed
//     while the tail was being rewritten): cut back to final_pos — the tail is re-derived from the
//     provisional day files by this run anyway;
//   - store longer than out_pos (killed after appending, before the index): cut back to out_pos;
//   - store shorter than final_pos, bad header, a header of another generation than the index (the file was
//     replaced), with fullCheck any final byte not matching data_crc, damaged index: damage, refused with
//     STORE_DAMAGED, or deleted and rebuilt when autoRebuild is set;
//   - CSV mirror longer than csv_pos: cut back; missing, shorter, never written, or its tail cut with the
//     store's: regenerated from the store.
// Reads the header, the last final record and the tail (a day or two of records) on the normal path;
// fullCheck reads the whole final part. Synchronous syscalls: thread-pool round trips here would wait behind
// the fsyncs of other symbols' commits.
import { closeSync, openSync, readSync, rmSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { CorruptFileError, type Stage } from '../errors.js';
import type { Layout } from '../paths.js';
import { FileAppender } from '../store/appender.js';
import type { Header } from '../store/format.js';
import { readIndexFileSync, removeStaleTempsOfSync } from '../store/indexFile.js';
import type { StoreIndex } from '../store/indexFormat.js';
import { DEFAULT_CHUNK_BYTES, StoreReader } from '../store/reader.js';
import { fileSizeSync } from '../store/writer.js';

const STAGE = 'Aggregate' satisfies Stage;

export interface StorePaths {
  store: string;
  csv: string;
  index: string;
}

export function aggregatePaths(layout: Layout, symbol: string): StorePaths {
  return { store: layout.aggregateStore(symbol), csv: layout.aggregateCsv(symbol), index: layout.aggregateIndex(symbol) };
}

export interface RepairOptions {
  csv: boolean;
  /** On damage, delete the store and rebuild it from the day files instead of refusing. */
  autoRebuild?: boolean;
  /** Also check data_crc over the whole store (reads it all). */
  fullCheck?: boolean;
}

export interface RepairResult {
  /** The committed state; undefined when there is no store (start from scratch). */
  index: StoreIndex | undefined;
  header: Header | undefined;
  /** ts of the last final record (the one before final_pos). */
  lastFinalTs: number | undefined;
  /** The committed provisional tail, bytes [final_pos, out_pos) of `index` (checked against tail_crc). */
  tail: Buffer;
  /** The CSV mirror must be regenerated from the store before anything is appended to it. */
  csvStale: boolean;
  /** The store was deleted (no index, or damage with autoRebuild). */
  deleted: boolean;
}

const NOTHING: RepairResult = { index: undefined, header: undefined, lastFinalTs: undefined, tail: Buffer.alloc(0), csvStale: false, deleted: false };

/** Something only a rebuild fixes. */
class Damage extends Error {
  constructor(message: string, readonly file: string, readonly offset?: number) {
    super(message);
  }
}

export async function repairStore(paths: StorePaths, symbol: string, opts: RepairOptions, report: (message: string) => void): Promise<RepairResult> {
  const temps = removeStaleTempsOfSync(paths.index);
  if (temps > 0) report(`removed ${temps} stale temp file(s) of ${paths.index} left by an interrupted run`);
  try {
    return await inspect(paths, symbol, opts, report);
  } catch (err) {
    if (!(err instanceof Damage)) throw err;
    if (!opts.autoRebuild) {
      throw new CorruptFileError(STAGE, err.file, `store damaged: ${err.message}; run \`candlestore rebuild aggregate\` to rebuild it from the day files`, err.offset, 'STORE_DAMAGED');
    }
    await removeStore(paths);
    report(`store damaged (${err.message}; ${err.file}): deleted it to rebuild from the day files`);
    return { ...NOTHING, deleted: true };
  }
}

/** Delete a store with its index and CSV mirror; the index goes first, so a crash here leaves "no index". */
export async function removeStore(paths: StorePaths): Promise<void> {
  rmSync(paths.index, { force: true });
  rmSync(paths.store, { force: true });
  rmSync(paths.csv, { force: true });
}

async function inspect(paths: StorePaths, symbol: string, opts: RepairOptions, report: (message: string) => void): Promise<RepairResult> {
  const index = await asDamage(async () => readIndexFileSync(paths.index, STAGE));
  const size = fileSizeSync(paths.store);
  if (index === undefined) {
    if (size === undefined && fileSizeSync(paths.csv) === undefined) return NOTHING;
    await removeStore(paths);
    report(`${paths.store} has no index (its first run was interrupted, or the index was deleted): deleted it to rebuild from the day files`);
    return { ...NOTHING, deleted: true };
  }
  if (size === undefined) throw new Damage(`the store is missing but its index ${paths.index} exists`, paths.store);
  if (index.finalPos > index.outPos) throw new Damage(`the index's final_pos ${index.finalPos} is past its out_pos ${index.outPos}`, paths.index);
  if (size < index.finalPos) throw new Damage(`truncated: ${size} bytes but the index says ${index.finalPos} bytes are final`, paths.store, size);

  const reader = await asDamage(() => StoreReader.open(paths.store, { stage: STAGE, expect: { symbol, timeframe: '1m' }, limit: index.finalPos }));
  let lastFinalTs: number | undefined;
  let tail: Buffer | undefined;
  try {
    if (reader.header.generation !== index.generation) {
      throw new Damage(`the store is generation ${reader.header.generation} but its index describes generation ${index.generation} (the file was replaced)`, paths.store, 0);
    }
    if (reader.recordCount > 0) lastFinalTs = await reader.tsAt(reader.recordCount - 1);
    else if (index.dataCrc !== 0) throw new Damage('the index has a checksum for final records the store does not hold', paths.store, reader.endPos);
    if (opts.fullCheck) {
      let crc = 0;
      for await (const chunk of reader.scanChunks({ chunkBytes: DEFAULT_CHUNK_BYTES })) crc = crc32(chunk.buf, crc);
      if (crc !== index.dataCrc) throw new Damage(`bytes 64..${index.finalPos} do not match the index's data_crc (a final record was changed)`, paths.store);
    }
    if (size >= index.outPos) {
      tail = readTailSync(paths.store, index.finalPos, index.outPos);
      if (crc32(tail) !== index.tailCrc) tail = undefined;
    }
  } finally {
    await reader.close();
  }
  let committed = index;
  let tailCut = false;
  if (tail === undefined) {
    // Killed while the tail was rewritten (or a tail byte damaged): the final part is intact, the tail is a
    // function of the provisional day files, which this run reads anyway.
    await truncateFile(paths.store, index.finalPos);
    report(`the provisional tail of ${paths.store} (bytes ${index.finalPos}..${index.outPos}) does not match the index (a run was interrupted while rewriting it): cut it off to derive it again`);
    committed = { ...index, outPos: index.finalPos, tailCrc: 0 };
    tail = Buffer.alloc(0);
    tailCut = true;
  } else if (size > index.outPos) {
    await truncateFile(paths.store, index.outPos);
    report(`cut ${size - index.outPos} uncommitted bytes past out_pos ${index.outPos} off ${paths.store} (a run was interrupted after appending)`);
  }
  const csvStale = await repairCsv(paths, index, opts.csv, report);
  return { index: committed, header: reader.header, lastFinalTs, tail, csvStale: opts.csv && (csvStale || tailCut), deleted: false };
}

/** Bytes [from, to) of `file` (the caller checked that the file reaches `to`). */
function readTailSync(file: string, from: number, to: number): Buffer {
  const buf = Buffer.allocUnsafeSlow(to - from);
  const fd = openSync(file, 'r');
  try {
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, from + got);
      if (n === 0) throw new Damage(`file shrank while its tail was read`, file, from + got);
      got += n;
    }
  } finally {
    closeSync(fd);
  }
  return buf;
}

/** Bring the CSV mirror to csv_pos; true when it must be regenerated from the store. */
async function repairCsv(paths: StorePaths, index: StoreIndex, enabled: boolean, report: (message: string) => void): Promise<boolean> {
  const size = fileSizeSync(paths.csv);
  if (!enabled) {
    if (size !== undefined) {
      rmSync(paths.csv, { force: true });
      report(`CSV mirror is off: removed ${paths.csv} so it cannot go stale`);
    }
    return false;
  }
  if (index.csvPos === 0) {
    report(`CSV mirror is on but was not written at the last commit: writing ${paths.csv} from the store`);
    return true;
  }
  if (size === undefined || size < index.csvPos) {
    report(`CSV mirror ${paths.csv} is ${size ?? 'missing'}${size === undefined ? '' : ' bytes'}, the index says ${index.csvPos}: regenerating it from the store`);
    return true;
  }
  if (size > index.csvPos) {
    await truncateFile(paths.csv, index.csvPos);
    report(`cut ${size - index.csvPos} uncommitted bytes past csv_pos ${index.csvPos} off ${paths.csv}`);
  }
  return false;
}

async function truncateFile(file: string, size: number): Promise<void> {
  const f = await FileAppender.open(file);
  try {
    await f.truncate(size);
  } finally {
    await f.close();
  }
}

/** Run `fn`, turning a CorruptFileError (bad header, bad index) into Damage. */
async function asDamage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof CorruptFileError)) throw err;
    const suffix = err.message.lastIndexOf(` (${err.file}`);
    throw new Damage(suffix > 0 ? err.message.slice(0, suffix) : err.message, err.file, err.offset);
  }
}
