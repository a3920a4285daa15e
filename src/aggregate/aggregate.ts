// Aggregate stage: append each new 1m day file's records to `data/aggregate/1m/SYMBOL.bin`, pointer in
// `index/SYMBOL.idx`. Order of work per symbol (docs/format.md, "Recovery"):
//   1. repair to the last commit (repair.ts);
//   2. continue last_date's day file at in_pos, then every later day file (closed days, then the live day);
//   3. append records with src = their byte position in the day file, ts strictly increasing;
//   4. commit: fsync the store (and CSV mirror), then replace the index atomically; at the end of the run
//      and every `commitBytes` at a day boundary, so a killed cold run keeps most of its work.
// The final store and index are a function of the day files only, whatever crashes happened on the way.
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { crc32 } from 'node:zlib';
import { CancelledError, CandleError, CorruptFileError, type Stage } from '../errors.js';
import type { Layout } from '../paths.js';
import { FileAppender } from '../store/appender.js';
import type { RecordChunk } from '../store/chunk.js';
import { HEADER_SIZE, RECORD_SIZE, R_COUNT, R_FLAGS, R_ORIGIN, type Header } from '../store/format.js';
import { writeIndexFile } from '../store/indexFile.js';
import { encodeIndex, type StoreIndex } from '../store/indexFormat.js';
import { DEFAULT_CHUNK_BYTES, StoreReader } from '../store/reader.js';
import { StoreWriter } from '../store/writer.js';
import { fsyncDir } from '../util/fsx.js';
import { CSV_HEADER, CsvFormatter, regenerateCsv } from './csv.js';
import { listDayFiles, type DayFile } from './dayFiles.js';
import { aggregatePaths, repairStore, type StorePaths } from './repair.js';

const STAGE: Stage = 'Aggregate';
export const DEFAULT_COMMIT_BYTES = 64 * 1024 * 1024;

export interface AggregateStats {
  symbol: string;
  /** Day files opened this run. */
  daysRead: number;
  recordsAppended: number;
  /** Bytes read from day files, each file's 64-byte header included. */
  bytesRead: number;
  /** Index commits written this run. */
  commits: number;
  /** What crash repair did, one line each. */
  repairs: string[];
  /** The store was deleted and rebuilt from the day files. */
  rebuilt: boolean;
}

export interface AggregateOptions {
  /** Keep the CSV mirror `SYMBOL.csv` in step with the store. */
  csv: boolean;
  /** Cancels between chunks (CancelledError); the store is cut back to its last commit. */
  signal?: AbortSignal;
  /** Filled in as the run goes (also returned). */
  stats?: AggregateStats;
  /** Called with each repair message as it happens. */
  onRepair?: (message: string) => void;
  /** On a damaged store, rebuild it from the day files instead of refusing with STORE_DAMAGED. */
  autoRebuild?: boolean;
  /** Check data_crc over the whole store before appending (reads it all; verify does this too). */
  fullCheck?: boolean;
  /** Read chunk size (default 4 MiB). */
  chunkBytes?: number;
  /** Commit the index at the first day boundary after this many appended bytes (default 64 MiB). */
  commitBytes?: number;
}

export function newAggregateStats(symbol: string): AggregateStats {
  return { symbol, daysRead: 0, recordsAppended: 0, bytesRead: 0, commits: 0, repairs: [], rebuilt: false };
}

/** Bring `symbol`'s aggregate store up to date with its day files. Errors are CandleErrors of stage Aggregate. */
export async function aggregateSymbol(layout: Layout, symbol: string, opts: AggregateOptions): Promise<AggregateStats> {
  const stats = opts.stats ?? newAggregateStats(symbol);
  const run = new AppendRun(aggregatePaths(layout, symbol), symbol, opts, stats);
  try {
    await run.execute(layout);
  } catch (err) {
    await run.abandon();
    throw asAggregateError(err, run.currentFile, symbol);
  }
  return stats;
}

class AppendRun {
  currentFile: string;
  private committed: StoreIndex | undefined;
  private state: StoreIndex | undefined;
  private store: StoreWriter | undefined;
  private header: Header | undefined;
  private csv: FileAppender | undefined;
  private fmt: CsvFormatter | undefined;
  private lastTs: number | undefined;
  /** Where the record with lastTs came from, for error messages. */
  private lastSource: string;
  private uncommitted = 0;
  private createdStore = false;

  constructor(private readonly paths: StorePaths, private readonly symbol: string, private readonly opts: AggregateOptions, private readonly stats: AggregateStats) {
    this.currentFile = paths.store;
    this.lastSource = paths.store;
  }

  async execute(layout: Layout): Promise<void> {
    const repair = await repairStore(this.paths, this.symbol, this.opts, (m) => {
      this.stats.repairs.push(m);
      this.opts.onRepair?.(m);
    });
    this.stats.rebuilt ||= repair.deleted;
    if (repair.index && repair.header) {
      this.committed = repair.index;
      this.state = { ...repair.index };
      this.header = repair.header;
      this.lastTs = repair.lastTs;
      this.store = await StoreWriter.open(this.paths.store, { stage: STAGE, expect: { symbol: this.symbol, timeframe: '1m' }, truncateTo: repair.index.outPos });
      if (this.opts.csv) {
        if (repair.csvStale) await regenerateCsv(this.paths.csv, this.paths.store, repair.index.outPos, STAGE);
        await this.openCsv(false);
      }
    }
    let turn = performance.now();
    for (const day of await listDayFiles(layout, this.symbol, this.state?.lastDate ?? 0)) {
      // File I/O is synchronous (see store/reader.ts): let the event loop run now and then, so an abort
      // from another worker, or a progress tick, gets through.
      if (performance.now() - turn > 20) {
        await nextTurn();
        turn = performance.now();
      }
      this.checkAbort();
      await this.appendDay(day);
      if (this.uncommitted >= (this.opts.commitBytes ?? DEFAULT_COMMIT_BYTES)) await this.commit();
    }
    if (this.state && (!this.committed || !encodeIndex(this.nextIndex()).equals(encodeIndex(this.committed)))) await this.commit();
    await this.closeFiles();
  }

  /** Best effort after a failure: cut back to the last commit (or drop a never-committed store), close. */
  async abandon(): Promise<void> {
    try {
      if (this.committed) {
        await this.store?.truncate(this.committed.outPos);
        if (this.committed.csvPos > 0) await this.csv?.truncate(this.committed.csvPos);
      }
      await this.closeFiles();
      if (!this.committed && this.createdStore) {
        await rm(this.paths.store, { force: true });
        await rm(this.paths.csv, { force: true });
      }
    } catch {
      // the next run's repair handles whatever is left
    }
  }

  private async appendDay(day: DayFile): Promise<void> {
    this.currentFile = day.file;
    const start = this.state && day.date === this.state.lastDate ? this.state.inPos : HEADER_SIZE;
    const reader = await StoreReader.open(day.file, { stage: STAGE, expect: { symbol: this.symbol, timeframe: '1m' }, strict: true });
    try {
      if (start > reader.endPos) {
        throw new CorruptFileError(STAGE, day.file, `day file is ${reader.endPos} bytes but ${start} were already aggregated from it (a day file may only grow); run \`candlestore rebuild aggregate\``, reader.endPos, 'DAY_SHRANK');
      }
      if (!this.store) await this.createStore(reader.header);
      else if (reader.header.decimals !== this.header!.decimals) {
        throw new CorruptFileError(STAGE, day.file, `prices have ${reader.header.decimals} decimals but the store ${this.paths.store} has ${this.header!.decimals}; run \`candlestore rebuild aggregate\` after changing decimals`, undefined, 'DECIMALS_MISMATCH');
      }
      const state = this.state!;
      for await (const chunk of reader.scan(start, this.opts.chunkBytes ?? DEFAULT_CHUNK_BYTES)) {
        this.checkAbort();
        this.checkOrder(chunk, day.file);
        for (let i = 0; i < chunk.count; i++) chunk.setSrc(i, chunk.posOf(i));
        await this.store!.append(chunk.buf);
        if (this.csv) await this.csv.append(Buffer.from(this.fmt!.chunk(chunk), 'latin1'));
        state.dataCrc = crc32(chunk.buf, state.dataCrc);
        state.tailCrc = crc32(chunk.record(chunk.count - 1));
        state.outPos += chunk.buf.length;
        this.uncommitted += chunk.buf.length;
        this.stats.recordsAppended += chunk.count;
      }
      state.lastDate = day.date;
      state.inPos = reader.endPos;
      this.stats.daysRead++;
    } finally {
      this.stats.bytesRead += reader.bytesRead;
      await reader.close();
    }
  }

  private checkOrder(chunk: RecordChunk, file: string): void {
    let prev = this.lastTs;
    for (let i = 0; i < chunk.count; i++) {
      const ts = chunk.ts(i);
      const bad = notA1mRow(chunk, i);
      if (bad) {
        throw new CorruptFileError(STAGE, file, `record ts ${iso(ts)} cannot be a 1m candle (${bad}): the day file is damaged; delete it so its day is converted again, then run \`candlestore rebuild aggregate\``, chunk.posOf(i), 'BAD_RECORD');
      }
      if (prev !== undefined && ts <= prev) {
        const what = ts === prev ? 'duplicates' : 'goes back before';
        const where = this.lastSource === file ? 'the record before it'
          : this.lastSource === this.paths.store ? `the last record of the store ${this.paths.store}`
          : `the last record appended from ${this.lastSource} to the store ${this.paths.store}`;
        throw new CorruptFileError(STAGE, file, `record ts ${iso(ts)} ${what} ${where} (ts ${iso(prev)}); timestamps must strictly increase`, chunk.posOf(i), 'TS_ORDER');
      }
      prev = ts;
    }
    this.lastTs = prev;
    if (chunk.count > 0) this.lastSource = file;
  }

  private async createStore(dayHeader: Header): Promise<void> {
    await mkdir(dirname(this.paths.index), { recursive: true });
    this.store = await StoreWriter.create(this.paths.store, { timeframe: '1m', symbol: this.symbol, decimals: dayHeader.decimals });
    this.header = this.store.header;
    this.state = { lastDate: 0, inPos: 0, outPos: HEADER_SIZE, csvPos: 0, tailCrc: 0, dataCrc: 0 };
    this.createdStore = true;
    if (this.opts.csv) await this.openCsv(true);
  }

  private async openCsv(create: boolean): Promise<void> {
    this.csv = await FileAppender.open(this.paths.csv, { truncate: create });
    if (create) await this.csv.append(Buffer.from(CSV_HEADER, 'latin1'));
    this.fmt = new CsvFormatter(this.header!.decimals);
  }

  private nextIndex(): StoreIndex {
    return { ...this.state!, csvPos: this.csv?.size ?? 0 };
  }

  /** Data first (fsync), then the index (atomic replace): the commit point. */
  private async commit(): Promise<void> {
    await this.store!.sync();
    await this.csv?.sync();
    if (this.createdStore && !this.committed) await fsyncDir(dirname(this.paths.store));
    const next = this.nextIndex();
    await writeIndexFile(this.paths.index, next);
    this.committed = next;
    this.state = { ...next };
    this.uncommitted = 0;
    this.stats.commits++;
  }

  private async closeFiles(): Promise<void> {
    const store = this.store;
    const csv = this.csv;
    this.store = undefined;
    this.csv = undefined;
    await store?.close();
    await csv?.close();
  }

  private checkAbort(): void {
    if (this.opts.signal?.aborted) throw new CancelledError(STAGE);
  }
}

function asAggregateError(err: unknown, file: string, symbol: string): CandleError {
  if (err instanceof CandleError) {
    err.stage = STAGE;
    return err;
  }
  const message = err instanceof Error ? err.message : String(err);
  return new CandleError(STAGE, 'IO_ERROR', `${symbol}: ${message} (${file})`, { cause: err });
}

/**
 * Why record i of a 1m day file cannot be a candle the transform wrote, or undefined: the store must never
 * take in what `verify` would call damage (prices not finite or not low ≤ open, close ≤ high; volume not
 * finite or < 0), nor a row that is not one closed source minute (count 1, flags 0, origin 0).
 */
function notA1mRow(c: RecordChunk, i: number): string | undefined {
  const o = c.open(i), h = c.high(i), l = c.low(i), cl = c.close(i), v = c.volume(i);
  if (!(Number.isFinite(h) && Number.isFinite(l) && l <= o && l <= cl && o <= h && cl <= h)) return `not low ≤ open, close ≤ high: o ${o} h ${h} l ${l} c ${cl}`;
  if (!(Number.isFinite(v) && v >= 0)) return `volume ${v}`;
  const at = i * RECORD_SIZE;
  if (c.buf.readUInt32LE(at + R_COUNT) !== 1 || c.buf.readUInt16LE(at + R_FLAGS) !== 0 || c.buf.readInt16LE(at + R_ORIGIN) !== 0) return 'count, flags, origin are not 1, 0, 0';
  return undefined;
}

function iso(ts: number): string {
  return new Date(ts).toISOString();
}
