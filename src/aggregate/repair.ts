// Crash repair of an aggregate store, run at the start of every aggregateSymbol (docs/format.md,
// "Recovery"). It brings the store, its CSV mirror and its index back to the last commit, or refuses:
//   - stale index temp files are removed;
//   - no index: whatever store/CSV exists was never committed, so it is deleted and rebuilt from scratch;
//   - store longer than out_pos (killed after appending, before the index): cut back to out_pos;
//   - store shorter than out_pos, bad header, tail record not matching tail_crc (or, with fullCheck, any
//     byte not matching data_crc), damaged index: damage, refused with STORE_DAMAGED, or deleted and
//     rebuilt when autoRebuild is set;
//   - CSV mirror longer than csv_pos: cut back; missing, shorter, or never written: regenerated from the store.
// Only O(1) reads on the normal path (header + last record); fullCheck reads the whole store. Synchronous
// syscalls: thread-pool round trips here would wait behind the fsyncs of other symbols' commits.
import { rmSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { CorruptFileError, type Stage } from '../errors.js';
import type { Layout } from '../paths.js';
import { FileAppender } from '../store/appender.js';
import type { Header } from '../store/format.js';
import { readIndexFileSync, removeStaleTempsOfSync } from '../store/indexFile.js';
import { tailCrcOf, type StoreIndex } from '../store/indexFormat.js';
import { StoreReader } from '../store/reader.js';
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
  /** ts of the last committed record. */
  lastTs: number | undefined;
  /** The CSV mirror must be regenerated from the store before anything is appended to it. */
  csvStale: boolean;
  /** The store was deleted (no index, or damage with autoRebuild). */
  deleted: boolean;
}

const NOTHING: RepairResult = { index: undefined, header: undefined, lastTs: undefined, csvStale: false, deleted: false };

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
  if (size < index.outPos) throw new Damage(`truncated: ${size} bytes but the index says ${index.outPos} were committed`, paths.store, size);

  const reader = await asDamage(() => StoreReader.open(paths.store, { stage: STAGE, expect: { symbol, timeframe: '1m' }, limit: index.outPos }));
  let lastTs: number | undefined;
  try {
    if (reader.header.generation !== index.generation) {
      throw new Damage(`the index's generation ${index.generation} is not the store's ${reader.header.generation} (the index belongs to another incarnation of the store)`, paths.index);
    }
    if (reader.recordCount > 0) {
      const tail = await reader.readRange(reader.recordCount - 1, 1);
      if (tailCrcOf(tail.record(0)) !== index.tailCrc) throw new Damage(`the last committed record does not match the index's tail_crc`, paths.store, tail.startPos);
      lastTs = tail.ts(0);
    } else if (index.tailCrc !== 0 || index.dataCrc !== 0) {
      throw new Damage('the index has checksums for records the store does not hold', paths.store, reader.endPos);
    }
    if (opts.fullCheck) {
      let crc = 0;
      for await (const chunk of reader.scan()) crc = crc32(chunk.buf, crc);
      if (crc !== index.dataCrc) throw new Damage(`bytes 64..${index.outPos} do not match the index's data_crc (a record was changed)`, paths.store);
    }
  } finally {
    await reader.close();
  }
  if (size > index.outPos) {
    await truncateFile(paths.store, index.outPos);
    report(`cut ${size - index.outPos} uncommitted bytes past out_pos ${index.outPos} off ${paths.store} (a run was interrupted after appending)`);
  }
  return { index, header: reader.header, lastTs, csvStale: await repairCsv(paths, index, opts.csv, report), deleted: false };
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
