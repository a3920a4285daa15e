// Aggregate stage, one symbol: bring `data/aggregate/1m/SYMBOL.bin` (pointer in `index/SYMBOL.idx`) up to
// date with its day files. The store has two parts (docs/format.md, "Final and provisional"):
//   - final records [64, final_pos): the days that are final (day files under data/transform/1m, from
//     cache/), appended once and never rewritten or read again;
//   - the provisional tail [final_pos, out_pos): everything from the first provisional day on (day files in
//     data/temp: the live day, and closed days not settled yet), rewritten by every run that finds it
//     changed, since the server revises minutes it served before.
// Order of work (docs/format.md, "Append and commit" and "Recovery"):
//   1. repair to the last commit (repair.ts);
//   2. the day files after the last final day: final ones before the first provisional day are appended
//      after final_pos (over the old tail), with src = their byte position in the day file, ts strictly
//      increasing (records.ts); the rest, from the first provisional day on, make the new tail, flagged
//      provisional;
//   3. nothing written when no day became final and the new tail equals the committed one;
//   4. commit: fsync the store (and CSV mirror), then replace the index (commits.ts); at the end of the run
//      and every `commitBytes` at a final day's boundary, so a killed cold run keeps most of its work.
// The store and index are a function of the day files only, whatever crashes happened on the way.
// Per day file (the hot path of a cold run, ~92 KB each): open, one read into a buffer reused for the whole
// thread (dayBuffer.ts), close; the header compared with the last one validated, the records against its
// body_crc; one pass over typed-array views checks every record and writes its src; the bytes are copied
// into the store's write buffer.
import { closeSync, openSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { crc32 } from 'node:zlib';
import { CancelledError, CorruptFileError } from '../errors.js';
import type { Layout } from '../paths.js';
import { HEADER_SIZE, RECORD_SIZE, decodeHeader, recordPos, wholeRecords, type Header } from '../store/format.js';
import { encodeIndex, type StoreIndex } from '../store/indexFormat.js';
import { DEFAULT_CHUNK_BYTES } from '../store/reader.js';
import { StoreWriter } from '../store/writer.js';
import { mkdirDurableSync } from '../util/fsx.js';
import { STAGE, asAggregateError } from './aggregateError.js';
import { CommitScheduler } from './commits.js';
import { regenerateCsv } from '../store/csv.js';
import { CsvMirror } from './csvMirror.js';
import { readDayFile, type DayBuffer } from './dayBuffer.js';
import { listDayFiles, type DayFile } from './dayFiles.js';
import { dayBufferOf, isMemoryDay, withConverted, type MemoryDay } from './fromMemory.js';
import { DEFAULT_COMMIT_BYTES, newAggregateStats, type AggregateOptions, type AggregateStats } from './options.js';
import { checkRecords, markProvisional, recordError, tsAt } from './records.js';
import { checkDayDefinition } from './definition.js';
import { aggregatePaths, repairStore, type StorePaths } from './repair.js';

export { DEFAULT_COMMIT_BYTES, newAggregateStats, type AggregateOptions, type AggregateStats, type DayBounds } from './options.js';

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
  private commits!: CommitScheduler;
  /** The index the next commit writes, kept up to date as records are appended. */
  private state: StoreIndex | undefined;
  private store: StoreWriter | undefined;
  private header: Header | undefined;
  private csv: CsvMirror | undefined;
  /** The committed provisional tail (its bytes), restored when the run fails after overwriting it. */
  private committedTail: Buffer = Buffer.alloc(0);
  /** Size of the CSV mirror at final_pos. */
  private csvFinal = 0;
  /** The store was opened to be written at final_pos (the old tail is being replaced). */
  private rewriting = false;
  private lastTs: number | undefined;
  /** Where the record with lastTs came from, for error messages. */
  private lastSource: string;
  private uncommitted = 0;
  private createdStore = false;
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
    // The commit scheduler knows the index on disk; `state` may differ (repair cut a damaged tail).
    this.commits = new CommitScheduler(this.paths, this.symbol, this.opts.batch, repair.index && !repair.deleted ? repair.index : undefined);
    if (repair.index && repair.header) {
      this.state = { ...repair.index };
      this.header = repair.header;
      this.lastTs = repair.lastFinalTs;
      this.committedTail = repair.tail;
      if (this.opts.csv) {
        const csvSize = repair.csvStale ? await regenerateCsv(this.paths.csv, this.paths.store, repair.index.outPos, STAGE) : repair.index.csvPos;
        this.csvFinal = csvSize - CsvMirror.textLength(repair.tail, repair.header.decimals);
        if (repair.csvStale) this.state.csvPos = csvSize;
      }
    }
    const lastFinal = this.state?.lastDate ?? 0;
    const listed = this.opts.dayFiles;
    const onDisk = listed && lastFinal >= listed.fromDate ? listed.files : await listDayFiles(layout, this.symbol, lastFinal);
    const all = withConverted(onDisk, this.opts.converted);
    // Days up to the last final one are history; a provisional day starts the tail, and every day after it
    // stays in the tail too (the final part is a prefix in time). With the run's --from/--to: a new store
    // starts at the first day, no store takes a day after the last (its tail ends there too).
    const bounds = this.opts.bounds;
    const firstDate = bounds && lastFinal === 0 ? bounds.firstDate : 0;
    const days = all.filter((d) => d.date > lastFinal && d.date >= firstDate && (!bounds || d.date <= bounds.lastDate));
    const firstProvisional = days.findIndex((d) => d.live);
    const finalDays = firstProvisional < 0 ? days : days.slice(0, firstProvisional);
    const tailDays = firstProvisional < 0 ? [] : days.slice(firstProvisional);

    let turn = performance.now();
    for (const day of finalDays) {
      // File I/O is synchronous (see store/reader.ts): let the event loop run now and then, so an abort
      // from another worker, a progress tick, or the steps of a commit in flight get through.
      if (performance.now() - turn > 20) {
        await nextTurn();
        turn = performance.now();
      }
      this.checkAbort();
      this.appendFinalDay(day);
      if (this.uncommitted >= (this.opts.commitBytes ?? DEFAULT_COMMIT_BYTES)) await this.commit(false);
    }
    this.checkAbort();
    const tail = this.readTail(tailDays);
    if (this.rewriting || this.createdStore || !tail.equals(this.committedTail)) {
      this.openForRewrite();
      this.appendBytes(tail, false);
      this.state!.tailCrc = crc32(tail);
      this.stats.tailRewritten = true;
    }
    const queued = this.commits.queued;
    if (this.state && (!queued || !encodeIndex(this.nextIndex()).equals(encodeIndex(queued)))) await this.commit(true);
    await this.commits.settle();
    await this.closeFiles();
  }

  /**
   * Best effort after a failure: put the store back as its last commit describes it (the committed tail
   * written back over a half-rewritten one), or drop a never-committed store; close.
   */
  async abandon(): Promise<void> {
    try {
      await this.commits?.quiesce();
      const committed = this.commits?.committed;
      if (committed && this.store && this.rewriting) {
        const tail = this.committedTail;
        const tailKnown = tail.length === committed.outPos - committed.finalPos && crc32(tail) === committed.tailCrc;
        // Without the committed tail (a repair cut a damaged one) the store is left at final_pos: the next
        // run's repair sees it end inside the tail and derives the tail again.
        await this.store.truncate(committed.finalPos);
        if (tailKnown) this.store.appendSync(tail);
        await this.store.truncate(tailKnown ? committed.outPos : committed.finalPos);
        if (this.csv && committed.csvPos > 0 && tailKnown) {
          await this.csv.truncate(committed.csvPos - CsvMirror.textLength(tail, this.header!.decimals));
          this.csv.appendSync(tail, committed.finalPos);
        }
      }
      await this.closeFiles();
      if (!committed && this.createdStore) {
        await rm(this.paths.store, { force: true });
        await rm(this.paths.csv, { force: true });
      }
    } catch {
      // the next run's repair handles whatever is left
    }
  }

  /** Append a final day's records after final_pos: they become final (data_crc, last_date). */
  private appendFinalDay(day: DayFile): void {
    const { d, n, size } = this.readDay(day);
    // Empty days before the symbol's first candle: the store starts with its first record.
    if (!this.state) return;
    const body = d.buf.subarray(HEADER_SIZE, HEADER_SIZE + n * RECORD_SIZE);
    if (n > 0) {
      this.openForRewrite();
      this.appendBytes(body, true);
    } else if (!this.store) {
      this.openForRewrite();
    }
    const state = this.state;
    state.lastDate = day.date;
    state.inPos = size;
  }

  /** The provisional tail: the records of `days` (checked, src written, flagged provisional), concatenated. */
  private readTail(days: readonly DayFile[]): Buffer {
    const parts: Buffer[] = [];
    for (const day of days) {
      const { d, n } = this.readDay(day);
      markProvisional(d.u32, n);
      parts.push(Buffer.from(d.buf.subarray(HEADER_SIZE, HEADER_SIZE + n * RECORD_SIZE)));
    }
    return Buffer.concat(parts);
  }

  /** Read a day file into the day buffer, validate its header (creating the store on the first day) and records. */
  private readDay(day: DayFile): { d: DayBuffer; n: number; size: number } {
    this.currentFile = day.file;
    // A day converted in this thread (fromMemory.ts) is taken as it is, not read back.
    if (isMemoryDay(day)) {
      const converted = this.fromMemory(day);
      return this.takeDay(converted.day, converted.size, day.file, true);
    }
    const fd = openSync(day.file, 'r');
    let read: { day: DayBuffer; size: number };
    try {
      read = readDayFile(fd);
    } finally {
      closeSync(fd);
    }
    return this.takeDay(read.day, read.size, day.file);
  }

  /**
   * Validate a whole day file held in memory (`size` bytes at the start of `d`; from readDay, or a day
   * decoded in this thread and never read back): header (creating the store on the first day with
   * records), body_crc, then the record pass, which writes each record's src in place.
   */
  private takeDay(d: DayBuffer, size: number, file: string, memory = false): { d: DayBuffer; n: number; size: number } {
    this.currentFile = file;
    const end = recordPos(wholeRecords(size));
    if (memory) {
      this.stats.bytesFromMemory += size;
      this.stats.daysFromMemory++;
    } else {
      this.stats.bytesRead += size;
      this.stats.daysRead++;
    }
    const header = this.dayHeader(d.buf, Math.min(size, HEADER_SIZE), file);
    if (end !== size) {
      throw new CorruptFileError(STAGE, file, `truncated: ${size - end} stray bytes after the last whole record`, end, 'TRUNCATED');
    }
    // A day without records says nothing about prices: it neither creates the store nor is checked against
    // it (pipeline/definitions.ts fixes the decimals; an empty first day must not decide them).
    const empty = end <= HEADER_SIZE;
    if (!this.header) {
      if (!empty) this.createStore(header);
    } else if (!empty) checkDayDefinition(header, this.header, file, this.paths.store);
    const n = (end - HEADER_SIZE) / RECORD_SIZE;
    // Day files are written without fsync (docs/format.md §8): their records are trusted only when they match
    // the header's body_crc (checked before the record pass writes src into the buffer).
    // (Not for a day converted in this thread: its bytes never came from the disk.)
    if (n > 0 && !memory && crc32(d.buf.subarray(HEADER_SIZE, end)) !== header.bodyCrc) {
      throw new CorruptFileError(STAGE, file, 'records do not match the header\'s body_crc (a damaged day file; the next `candlestore run` converts it again from its raw day)', HEADER_SIZE, 'BODY_CRC');
    }
    if (n > 0) {
      const bad = checkRecords(d.f64, d.u32, d.i32, n, this.lastTs ?? Number.NEGATIVE_INFINITY);
      if (bad >= 0) throw recordError(d, n, bad, bad === 0 ? this.lastTs : tsAt(d, bad - 1), this.previousRecord(), file);
      this.lastTs = tsAt(d, n - 1);
      this.lastSource = file;
    }
    return { d, n, size };
  }

  /** A day the caller converts now (fromMemory.ts): its day file's bytes, not read back. */
  private fromMemory(day: MemoryDay): { day: DayBuffer; size: number } {
    const bytes = day.convert();
    return { day: dayBufferOf(bytes), size: bytes.length };
  }

  private previousRecord(): string {
    return this.lastSource === this.paths.store ? `the last final record of the store ${this.paths.store}` : `the last record of ${this.lastSource}, appended before it to the store ${this.paths.store}`;
  }

  /** The day file's header (its first `length` bytes in `buf`), validated once per distinct header. */
  private dayHeader(buf: Buffer, length: number, file: string): Header {
    if (length === HEADER_SIZE && this.dayHeadBytes !== undefined && buf.compare(this.dayHeadBytes, 0, HEADER_SIZE, 0, HEADER_SIZE) === 0) return this.dayHead!;
    const header = decodeHeader(buf.subarray(0, length), file, STAGE, { symbol: this.symbol, timeframe: '1m' });
    this.dayHeadBytes = Buffer.from(buf.subarray(0, HEADER_SIZE));
    this.dayHead = header;
    return header;
  }

  /** Append whole records at the end of the store (and their CSV lines); `final`: they extend the final part. */
  private appendBytes(records: Buffer, final: boolean): void {
    const state = this.state!;
    const chunk = this.opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    const step = Math.max(RECORD_SIZE, chunk - (chunk % RECORD_SIZE));
    for (let at = 0; at < records.length; at += step) {
      const part = records.subarray(at, Math.min(records.length, at + step));
      this.store!.appendSync(part);
      this.csv?.appendSync(part, state.outPos + at);
    }
    state.outPos += records.length;
    if (final) {
      state.dataCrc = crc32(records, state.dataCrc);
      state.finalPos = state.outPos;
      this.csvFinal = this.csv?.size ?? 0;
    }
    this.uncommitted += records.length;
    this.stats.recordsAppended += records.length / RECORD_SIZE;
  }

  /** Open the store to write at final_pos: the committed tail is cut off (it is written anew). */
  private openForRewrite(): void {
    if (this.rewriting) return;
    const state = this.state!;
    if (!this.store) {
      this.store = StoreWriter.openSync(this.paths.store, { stage: STAGE, expect: { symbol: this.symbol, timeframe: '1m' }, truncateTo: state.finalPos });
      if (this.opts.csv) {
        this.csv = CsvMirror.openSync(this.paths.csv, this.header!.decimals, false);
        this.csv.truncateSync(this.csvFinal);
      }
    }
    state.outPos = state.finalPos;
    state.tailCrc = 0;
    this.rewriting = true;
  }

  private createStore(dayHeader: Header): void {
    // Folders made here are fsynced into their parents: a power loss must not take a committed store with them.
    mkdirDurableSync(dirname(this.paths.index));
    // The store takes the definition (decimals, fingerprint) of its first day with records; every later one must match it.
    this.store = StoreWriter.createSync(this.paths.store, { timeframe: '1m', symbol: this.symbol, decimals: dayHeader.decimals, definition: dayHeader.definition });
    this.header = this.store.header;
    this.state = { lastDate: 0, inPos: 0, outPos: HEADER_SIZE, csvPos: 0, tailCrc: 0, dataCrc: 0, finalPos: HEADER_SIZE, generation: this.header.generation };
    this.createdStore = true;
    this.rewriting = true;
    if (this.opts.csv) this.csv = CsvMirror.openSync(this.paths.csv, dayHeader.decimals, true);
    this.csvFinal = this.csv?.size ?? 0;
  }

  private nextIndex(): StoreIndex {
    return { ...this.state!, csvPos: this.csv ? this.csv.size : this.opts.csv ? this.state!.csvPos : 0 };
  }

  /** Commit what is written so far (see commits.ts); the last commit may hand the files to the caller's batch. */
  private async commit(last: boolean): Promise<void> {
    const next = this.nextIndex();
    if (!this.store) {
      // Nothing written this run, yet the index must change (a repair cut the tail, or the CSV was regenerated).
      this.store = StoreWriter.openSync(this.paths.store, { stage: STAGE, expect: { symbol: this.symbol, timeframe: '1m' }, truncateTo: next.outPos });
    }
    const handed = await this.commits.commit({ store: this.store, csv: this.csv }, next, { last, newBytes: this.uncommitted, createdStore: this.createdStore, prepare: this.opts.beforeCommit });
    if (handed) {
      this.store = undefined;
      this.csv = undefined;
    }
    this.state = { ...next };
    this.uncommitted = 0;
    this.stats.commits++;
    // The committed tail is now what was just written (empty for a commit between final days).
    if (!last) this.committedTail = Buffer.alloc(0);
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
