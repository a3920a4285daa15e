// Aggregate stage: append each new 1m day file's records to `data/aggregate/1m/SYMBOL.bin`, pointer in
// `index/SYMBOL.idx`. Order of work per symbol (docs/format.md, "Recovery"):
//   1. repair to the last commit (repair.ts);
//   2. continue last_date's day file at in_pos, then every later day file (closed days, then the live day);
//   3. append records with src = their byte position in the day file, ts strictly increasing;
//   4. commit: fsync the store (and CSV mirror), then replace the index atomically (store/commit.ts); at the
//      end of the run and every `commitBytes` at a day boundary, so a killed cold run keeps most of its work.
//      A commit inside the run goes on in the background (the disk writes while later days are appended; the
//      next commit waits for it, so indexes land in order); the last one waits, or joins the caller's batch
//      (every symbol of an inline stage run committed together).
// The final store and index are a function of the day files only, whatever crashes happened on the way.
// Per day file (the hot path of a cold run, ~63 KB each): open, one read into a buffer reused for the whole
// thread (no fstat: a short read is the end of the file), close; the header compared with the last one
// validated; then one pass over typed-array views checks every record and writes its src; the bytes are
// copied into the store's write buffer.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { crc32 } from 'node:zlib';
import { CancelledError, CandleError, CorruptFileError, type Stage } from '../errors.js';
import type { Layout } from '../paths.js';
import { FileAppender } from '../store/appender.js';
import { RecordChunk } from '../store/chunk.js';
import { CommitBatch } from '../store/commit.js';
import { HEADER_SIZE, RECORD_SIZE, R_COUNT, R_FLAGS, R_ORIGIN, decodeHeader, recordPos, wholeRecords, type Header } from '../store/format.js';
import { EMPTY_INDEX, encodeIndex, type StoreIndex } from '../store/indexFormat.js';
import { DEFAULT_CHUNK_BYTES } from '../store/reader.js';
import { StoreWriter } from '../store/writer.js';
import { mkdirDurableSync } from '../util/fsx.js';
import { CSV_HEADER, CsvFormatter, regenerateCsv } from '../store/csv.js';
import { listDayFiles, type DayFile } from './dayFiles.js';
import { aggregatePaths, repairStore, type StorePaths } from './repair.js';
import { checkDayDefinition } from './definition.js';

const STAGE = 'Aggregate' satisfies Stage;
export const DEFAULT_COMMIT_BYTES = 64 * 1024 * 1024;
/** A last commit handed to the caller's batch with at least this much new data starts its fsync at once. */
const EARLY_SYNC_BYTES = 1024 * 1024;

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
  /**
   * Put the last commit into this batch and return before it: the caller flushes the batch (then the store
   * is committed) or abandons it. Default: the last commit is done before returning.
   */
  batch?: CommitBatch;
  /**
   * The symbol's day files dated on or after `fromDate` (listDayFilesOf, one walk for a whole stage). Used
   * when the store's last day is not before `fromDate`; otherwise (a store repaired or rebuilt from
   * scratch) the folders are listed again.
   */
  dayFiles?: { fromDate: number; files: DayFile[] };
  /** Only these days (the run's --from/--to); `firstDate` applies to a store being created. */
  bounds?: DayBounds;
}

/** YYYYMMDD, inclusive; firstDate 0 = no lower bound. */
export interface DayBounds {
  firstDate: number;
  lastDate: number;
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
  /** The index on disk (the last commit that completed). */
  private committed: StoreIndex | undefined;
  /** The index of the last commit started (it may still be in flight). */
  private queued: StoreIndex | undefined;
  /** The commit in flight, if any (it never rejects: its failure is kept in commitError). */
  private inflight: Promise<void> | undefined;
  private commitError: unknown;
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
  /** The store's folder is fsynced with the first commit of a created store. */
  private dirQueued = false;
  /** The last day-file header validated, raw, and decoded: every day of a symbol has the same one. */
  private dayHeadBytes: Buffer | undefined;
  private dayHead: Header | undefined;

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
      this.queued = repair.index;
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
    const from = this.state?.lastDate ?? 0;
    const listed = this.opts.dayFiles;
    const listedDays = listed && from >= listed.fromDate ? listed.files.filter((d) => d.date >= from) : await listDayFiles(layout, this.symbol, from);
    const bounds = this.opts.bounds;
    // A new store starts at the run's first day; no store takes a day after its last.
    const firstDate = bounds && from === 0 ? bounds.firstDate : 0;
    const days = bounds ? listedDays.filter((d) => d.date >= firstDate && d.date <= bounds.lastDate) : listedDays;
    for (const day of days) {
      // File I/O is synchronous (see store/reader.ts): let the event loop run now and then, so an abort
      // from another worker, a progress tick, or the steps of a commit in flight get through.
      if (performance.now() - turn > 20) {
        await nextTurn();
        turn = performance.now();
      }
      this.checkAbort();
      this.appendDay(day);
      if (this.uncommitted >= (this.opts.commitBytes ?? DEFAULT_COMMIT_BYTES)) await this.commit(false);
    }
    if (this.state && (!this.queued || !encodeIndex(this.nextIndex()).equals(encodeIndex(this.queued)))) await this.commit(true);
    await this.settle();
    await this.closeFiles();
  }

  /** Best effort after a failure: cut back to the last commit (or drop a never-committed store), close. */
  async abandon(): Promise<void> {
    try {
      await this.inflight;
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

  private appendDay(day: DayFile): void {
    this.currentFile = day.file;
    const start = this.state && day.date === this.state.lastDate ? this.state.inPos : HEADER_SIZE;
    const fd = openSync(day.file, 'r');
    let end: number;
    let headLen = 0;
    let bodyLen = 0;
    const buf = dayBuffer(HEADER_SIZE);
    try {
      // The body goes right after the header in the buffer, whatever its position in the file. No fstat: a
      // read that comes back short has reached the end of the file.
      let size: number;
      if (start === HEADER_SIZE) {
        size = readRest(fd, 0, 0);
        headLen = Math.min(size, HEADER_SIZE);
      } else {
        headLen = readRest(fd, 0, 0, HEADER_SIZE);
        const rest = readRest(fd, HEADER_SIZE, start);
        // Nothing after in_pos: the file ends there, or shrank below it (then its size is in the message).
        size = rest > 0 ? start + rest : fstatSync(fd).size;
      }
      end = recordPos(wholeRecords(size));
      bodyLen = Math.max(0, end - start);
      const header = this.dayHeader(dayBuf!, headLen, day.file);
      if (end !== size) {
        throw new CorruptFileError(STAGE, day.file, `truncated: ${size - end} stray bytes after the last whole record`, end, 'TRUNCATED');
      }
      if (start > end) {
        throw new CorruptFileError(STAGE, day.file, `day file is ${end} bytes but ${start} were already aggregated from it (a day file may only grow); run \`candlestore rebuild aggregate\``, end, 'DAY_SHRANK');
      }
      // Day files are written without fsync (docs/format.md §8): their records are trusted only when they
      // match the header's body_crc (the part before in_pos is read again for that, once a run).
      if (bodyLen > 0) {
        let crc = start > HEADER_SIZE ? crc32(readPrefix(fd, start)) : 0;
        crc = crc32(dayBuf!.subarray(HEADER_SIZE, HEADER_SIZE + bodyLen), crc);
        if (crc !== header.bodyCrc) {
          throw new CorruptFileError(STAGE, day.file, 'records do not match the header\'s body_crc (a damaged day file; the next `candlestore run` converts it again from its raw day)', HEADER_SIZE, 'BODY_CRC');
        }
      }
      // A day without records says nothing about prices: it neither creates the store nor is checked
      // against it (pipeline/definitions.ts fixes the decimals; an empty first day must not decide them).
      const empty = end <= HEADER_SIZE;
      if (!this.store) {
        if (!empty) this.createStore(header);
      } else if (!empty) checkDayDefinition(header, this.header!, day.file, this.paths.store);
    } finally {
      this.stats.bytesRead += headLen + bodyLen;
      closeSync(fd);
    }
    if (!this.state) {
      // Empty days before the symbol's first candle: the store starts with its first record.
      this.stats.daysRead++;
      return;
    }
    const state = this.state;
    if (bodyLen > 0) {
      this.checkAndSetSrc(dayBuf!, bodyLen / RECORD_SIZE, start, day.file);
      const body = dayBuf!.subarray(HEADER_SIZE, HEADER_SIZE + bodyLen);
      const step = Math.max(RECORD_SIZE, (this.opts.chunkBytes ?? DEFAULT_CHUNK_BYTES) - ((this.opts.chunkBytes ?? DEFAULT_CHUNK_BYTES) % RECORD_SIZE));
      for (let at = 0; at < bodyLen; at += step) {
        const part = body.subarray(at, Math.min(bodyLen, at + step));
        this.store!.appendSync(part);
        if (this.csv) this.csv.appendSync(Buffer.from(this.fmt!.chunk(new RecordChunk(part, start + at)), 'latin1'));
      }
      state.dataCrc = crc32(body, state.dataCrc);
      state.tailCrc = crc32(body.subarray(bodyLen - RECORD_SIZE));
      state.outPos += bodyLen;
      this.uncommitted += bodyLen;
      this.stats.recordsAppended += bodyLen / RECORD_SIZE;
    }
    state.lastDate = day.date;
    state.inPos = end;
    this.stats.daysRead++;
  }

  /** The day file's header (its first `length` bytes in `buf`), validated once per distinct header. */
  private dayHeader(buf: Buffer, length: number, file: string): Header {
    if (length === HEADER_SIZE && this.dayHeadBytes !== undefined && buf.compare(this.dayHeadBytes, 0, HEADER_SIZE, 0, HEADER_SIZE) === 0) return this.dayHead!;
    const header = decodeHeader(buf.subarray(0, length), file, STAGE, { symbol: this.symbol, timeframe: '1m' });
    this.dayHeadBytes = Buffer.from(buf.subarray(0, HEADER_SIZE));
    this.dayHead = header;
    return header;
  }

  /**
   * One pass over the `n` records at byte 64 of `buf` (file positions from `start`): each must be a 1m row
   * the transform wrote and come strictly after the one before; its src becomes its position in the day file.
   */
  private checkAndSetSrc(buf: Buffer, n: number, start: number, file: string): void {
    const bad = checkRecords(dayF64!, dayU32!, dayI32!, n, start, this.lastTs ?? Number.NEGATIVE_INFINITY);
    if (bad >= 0) this.recordError(buf, n, start, bad, bad === 0 ? this.lastTs : tsAt(bad - 1), file);
    this.lastTs = tsAt(n - 1);
    this.lastSource = file;
  }

  /** The error for record i (BAD_RECORD, else TS_ORDER), with the messages of the checks above spelled out. */
  private recordError(buf: Buffer, n: number, start: number, i: number, prev: number | undefined, file: string): never {
    const chunk = new RecordChunk(buf.subarray(HEADER_SIZE, HEADER_SIZE + n * RECORD_SIZE), start);
    const ts = chunk.ts(i);
    const bad = notA1mRow(chunk, i);
    if (bad) {
      throw new CorruptFileError(STAGE, file, `record ts ${iso(ts)} cannot be a 1m candle (${bad}): the day file is damaged; delete it so its day is converted again, then run \`candlestore rebuild aggregate\``, chunk.posOf(i), 'BAD_RECORD');
    }
    const what = ts === prev ? 'duplicates' : 'goes back before';
    const where = i > 0 ? 'the record before it'
      : this.lastSource === this.paths.store ? `the last record of the store ${this.paths.store}`
      : `the last record appended from ${this.lastSource} to the store ${this.paths.store}`;
    throw new CorruptFileError(STAGE, file, `record ts ${iso(ts)} ${what} ${where} (ts ${iso(prev!)}); timestamps must strictly increase`, chunk.posOf(i), 'TS_ORDER');
  }

  private createStore(dayHeader: Header): void {
    // Folders made here are fsynced into their parents: a power loss must not take a committed store with them.
    mkdirDurableSync(dirname(this.paths.index));
    // The store takes the definition (decimals, fingerprint) of its first day with records; every later one must match it.
    this.store = StoreWriter.createSync(this.paths.store, { timeframe: '1m', symbol: this.symbol, decimals: dayHeader.decimals, definition: dayHeader.definition });
    this.header = this.store.header;
    this.state = { ...EMPTY_INDEX, generation: this.header.generation };
    this.createdStore = true;
    if (this.opts.csv) this.openCsvSync(true);
  }

  private async openCsv(create: boolean): Promise<void> {
    this.openCsvSync(create);
  }

  private openCsvSync(create: boolean): void {
    this.csv = FileAppender.openSync(this.paths.csv, { truncate: create });
    if (create) this.csv.appendSync(Buffer.from(CSV_HEADER, 'latin1'));
    this.fmt = new CsvFormatter(this.header!.decimals);
  }

  private nextIndex(): StoreIndex {
    // Every record is final until days can be provisional (issue 9 part 1).
    return { ...this.state!, csvPos: this.csv?.size ?? 0, finalPos: this.state!.outPos };
  }

  /**
   * Data first (fsync), then the index (atomic replace): the commit point. A commit inside the run goes on
   * in the background; the last one is awaited, or handed to the caller's batch.
   */
  private async commit(last: boolean): Promise<void> {
    await this.settle();
    const next = this.nextIndex();
    const wrap = (err: unknown) => asAggregateError(err, this.paths.store, this.symbol);
    const outer = last ? this.opts.batch : undefined;
    const batch = outer ?? new CommitBatch();
    if (outer) {
      // The files are not needed any more: the batch fsyncs and closes them, at once when much was written
      // (the disk works while the caller goes on with its next symbol).
      const early = this.uncommitted >= EARLY_SYNC_BYTES;
      batch.syncAndClose(this.store!.detach(), wrap, early);
      this.store = undefined;
      if (this.csv) batch.syncAndClose(this.csv.detach(), (err) => asAggregateError(err, this.paths.csv, this.symbol), early);
      this.csv = undefined;
    } else {
      // Started now (the bytes so far are written first), so the disk works while more days are appended.
      batch.waitFor(this.store!.sync(), wrap);
      if (this.csv) batch.waitFor(this.csv.sync(), (err) => asAggregateError(err, this.paths.csv, this.symbol));
    }
    if (this.createdStore && !this.dirQueued) {
      batch.newEntryIn(dirname(this.paths.store), wrap);
      this.dirQueued = true;
    }
    batch.index(this.paths.index, next, wrap);
    this.queued = next;
    this.state = { ...next };
    this.uncommitted = 0;
    this.stats.commits++;
    if (outer) return;
    this.inflight = batch.flush().then(
      () => void (this.committed = next),
      (err) => void (this.commitError = err),
    );
    if (last) await this.settle();
  }

  /** Wait for the commit in flight; rethrow its failure. */
  private async settle(): Promise<void> {
    await this.inflight;
    this.inflight = undefined;
    if (this.commitError !== undefined) throw this.commitError;
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

const TWO_32 = 4294967296;

/** Per thread: every day file is read into this buffer (grown when needed), and these views over it. */
let dayBuf: Buffer | undefined;
let dayF64: Float64Array | undefined;
let dayU32: Uint32Array | undefined;
let dayI32: Int32Array | undefined;

/**
 * The record pass over the day buffer (records from byte 64, at file positions from `start`): each must be a
 * 1m row the transform wrote and come after the one before (`prev` for the first); its src becomes its
 * position. Returns the index of the first bad record, or -1. A plain function of typed arrays and numbers,
 * so V8 keeps it optimized (as a method reading module variables it fell back to unoptimized code after a
 * deopt, boxing a double per record: 24 ns a record and most of the thread's garbage).
 */
function checkRecords(f64: Float64Array, u32: Uint32Array, i32: Int32Array, n: number, start: number, prev: number): number {
  // Field offsets as literals (see resample/fold.ts; store/format.ts checks them at load): 8 words of 8 bytes
  // and 16 of 4 a record, after the 64-byte header; ts = 32-bit words 0-1, src 12-13, origin+flags 14, count 15.
  const WORDS = 8, WORDS32 = 16, TWO32 = 4294967296, SIZE = 64;
  const F0 = 8, U0 = 16;
  for (let i = 0; i < n; i++) {
    const w = U0 + i * WORDS32;
    const f = F0 + i * WORDS;
    const ts = i32[w + 1] * TWO32 + u32[w];
    const o = f64[f + 1], h = f64[f + 2], l = f64[f + 3], c = f64[f + 4], v = f64[f + 5];
    // finite high and low (x - x is NaN for ±Infinity and NaN), low ≤ open, close ≤ high, finite volume ≥ 0,
    // count 1 (word 15), origin and flags 0 (word 14), ts after the previous row.
    if (!(h - h === 0 && l - l === 0 && l <= o && l <= c && o <= h && c <= h && v - v === 0 && v >= 0 && u32[w + 15] === 1 && u32[w + 14] === 0 && ts > prev)) return i;
    prev = ts;
    const pos = start + i * SIZE;
    u32[w + 12] = pos % TWO32;
    u32[w + 13] = Math.floor(pos / TWO32);
  }
  return -1;
}

/** ts of record i in the day buffer. */
function tsAt(i: number): number {
  const w = 16 + i * 16;
  return dayI32![w + 1] * TWO_32 + dayU32![w];
}

/** The day buffer, at least `bytes` long (its first `keep` bytes kept when it grows). */
function dayBuffer(bytes: number, keep = 0): Buffer {
  if (dayBuf === undefined || dayBuf.length < bytes) {
    // allocUnsafeSlow: an own ArrayBuffer at offset 0, so the views are 8-byte aligned.
    const grown = Buffer.allocUnsafeSlow(Math.max(bytes, 256 * 1024, 2 * (dayBuf?.length ?? 0)));
    if (keep > 0) dayBuf!.copy(grown, 0, 0, keep);
    dayBuf = grown;
    dayF64 = new Float64Array(dayBuf.buffer, 0, dayBuf.length >> 3);
    dayU32 = new Uint32Array(dayBuf.buffer, 0, dayBuf.length >> 2);
    dayI32 = new Int32Array(dayBuf.buffer, 0, dayBuf.length >> 2);
  }
  return dayBuf;
}

/** Bytes 64..`end` of a day file (the part aggregated by an earlier run), for its body_crc. */
function readPrefix(fd: number, end: number): Buffer {
  const buf = Buffer.allocUnsafe(end - HEADER_SIZE);
  let got = 0;
  while (got < buf.length) {
    const n = readSync(fd, buf, got, buf.length - got, HEADER_SIZE + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/**
 * Read `fd` from file position `pos` into the day buffer at `at`, up to `limit` bytes or to the end of the
 * file (growing the buffer); returns the bytes read.
 */
function readRest(fd: number, at: number, pos: number, limit = Number.POSITIVE_INFINITY): number {
  let got = 0;
  for (;;) {
    let buf = dayBuffer(at + 1, at);
    if (at + got === buf.length) buf = dayBuffer(buf.length + 1, at + got);
    const want = Math.min(buf.length - at - got, limit - got);
    if (want === 0) return got;
    const n = readSync(fd, buf, at + got, want, pos + got);
    got += n;
    // A short read of a regular file is its end (one read a day file, not a second one returning 0). Were
    // it ever not, the day would be taken as shorter: a cut record is refused as stray bytes, and records
    // missed at a record boundary are appended by the next run, which continues the day at in_pos.
    if (n < want) return got;
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
