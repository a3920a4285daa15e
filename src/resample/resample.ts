// Resample one symbol: each timeframe of its plan in dependency order, each from its source (the aggregate
// 1m store or a timeframe file, up to its committed out_pos). A file has final bars [64, final_pos), never
// rewritten, and a provisional tail [final_pos, out_pos) that runs rewrite (docs/format.md, "Final and
// provisional"; period.ts says which bars are final). Per timeframe:
//   1. repair to the last commit (repair.ts);
//   2. scan the source from in_pos (the first source row of the first provisional bar, at most the source's
//      final_pos) to its committed end — nothing before in_pos is ever read again (stats.bytesRead proves it);
//   3. write every bar from there at final_pos: newly final bars, then the new provisional tail;
//   4. commit: cut the file to its new end and start its fsync (on the thread pool, while the next timeframe
//      is computed); once every file of the batch is durable, replace the indexes atomically.
//      The batch is the symbol's timeframes, or every symbol of an inline stage run (store/commit.ts).
// A run that finds nothing new writes nothing. A bar depends only on its source rows, and a final bar's rows
// are final, so any sequence of runs leaves the same bytes as one run from scratch with the same clock.
// Indexes are renamed source first: a crash between two renames leaves a dependent's in_pos at most its
// source's final_pos of before, whose rows are still there unchanged.
// Everything but fsync uses synchronous syscalls: a thread-pool round trip would queue behind the fsyncs.
import { closeSync, constants, ftruncateSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { CancelledError, CandleError, ConfigError, CorruptFileError, type Stage } from '../errors.js';
import type { Layout } from '../paths.js';
import { HEADER_SIZE, RECORD_SIZE, encodeHeader, isRecordBoundary, newGeneration } from '../store/format.js';
import { encodeIndex, type StoreIndex } from '../store/indexFormat.js';
import { CommitBatch } from '../store/commit.js';
import { readIndexFileSync } from '../store/indexFile.js';
import { DEFAULT_CHUNK_BYTES, StoreReader } from '../store/reader.js';
import { fileSizeSync } from '../store/writer.js';
import { makeBucketer } from './bucket.js';
import { BarSink, Folder } from './fold.js';
import { SourceScan } from './scan.js';
import type { SymbolPlan, TimeframePlan } from '../timeframes/plan.js';
import { REBUILD_HINT, damaged, repairTimeframe } from './repair.js';
import { BASE_RULE, BASE_TIMEFRAME, type Rule } from '../timeframes/rules.js';
import { horizonOf, periodEnds } from './period.js';
import { storeAxis } from './zone.js';
import { MINUTE_MS } from '../util/dates.js';
import { mkdirDurableSync } from '../util/fsx.js';

const STAGE = 'Resample' satisfies Stage;
/** A timeframe file with at least this much new data starts its fsync as soon as it is written. */
const EARLY_SYNC_BYTES = 1024 * 1024;
/** Bars held in memory before the file is touched (an incremental run's tail is a few bars). */
const PENDING_BYTES = 256 * 1024;

export interface TimeframeStats {
  timeframe: string;
  /** Bars that became final this run (written once, never again). */
  barsClosed: number;
  /** Bars in the provisional tail after this run. */
  barsProvisional: number;
  /** Source rows scanned (from in_pos to the source's end). */
  rowsRead: number;
  /** Bytes read from the source file, its 64-byte header included. */
  bytesRead: number;
  /** Source position the scan started at (the committed in_pos; 64 from scratch). */
  fromPos: number;
  /** Visible end of the source scanned to. */
  sourceEnd: number;
  /** false: nothing new, the file and index were left alone. */
  changed: boolean;
  /** Built from scratch this run (no file yet, or deleted by repair). */
  fromScratch: boolean;
  repairs: string[];
}

export interface ResampleStats {
  symbol: string;
  timeframes: TimeframeStats[];
  /** Why nothing was done (no aggregate store yet). */
  skipped?: string;
}

export interface ResampleOptions {
  /** Cancels between chunks (CancelledError); nothing uncommitted is ever taken as valid. */
  signal?: AbortSignal;
  onRepair?: (message: string) => void;
  /** Source read chunk (default 4 MiB). */
  chunkBytes?: number;
  /**
   * Commit into this batch and return before the commit: the caller flushes it (CommitBatch.flush), and only
   * then are the timeframes committed. Default: a batch of this symbol's timeframes, flushed before returning.
   */
  batch?: CommitBatch;
  /** Index folder listings for stale-temp cleanup, shared by the symbols of one run of one thread. */
  tempListings?: Map<string, string[]>;
  /** The run's clock (epoch ms): bars whose period has not ended by then are open. Default: Date.now(). */
  nowMs?: number;
}

/** What a timeframe's dependents read: a file up to its committed end. */
interface Source {
  file: string;
  timeframe: string;
  /** Committed end (out_pos). */
  end: number;
  /** End of its final records (final_pos). */
  finalPos: number;
  /** Store ts at which the last final record ends (its period end; -Infinity without final records). */
  finalEnd: number;
  decimals: number;
  rule: Rule;
}

/** Bring every timeframe of `plan.symbol` up to date. Errors are CandleErrors of stage Resample. */
export async function resampleSymbol(layout: Layout, plan: SymbolPlan, opts: ResampleOptions = {}): Promise<ResampleStats> {
  const stats: ResampleStats = { symbol: plan.symbol, timeframes: [] };
  const base = await baseSource(layout, plan.symbol);
  const nowStore = storeAxis(plan.shift).storeOf(opts.nowMs ?? Date.now());
  if (!base) {
    stats.skipped = 'no aggregate store yet';
    return stats;
  }
  const own = opts.batch === undefined;
  const batch = opts.batch ?? new CommitBatch();
  try {
    const sources = new Map<string, Source>([[BASE_TIMEFRAME, base]]);
    const depth = new Map<string, number>([[BASE_TIMEFRAME, 0]]);
    for (const tf of plan.timeframes) {
      const source = sources.get(tf.source)!;
      depth.set(tf.name, depth.get(tf.source)! + 1);
      const tfStats: TimeframeStats = { timeframe: tf.name, barsClosed: 0, barsProvisional: 0, rowsRead: 0, bytesRead: 0, fromPos: 0, sourceEnd: source.end, changed: false, fromScratch: false, repairs: [] };
      stats.timeframes.push(tfStats);
      const file = layout.resampleStore(tf.name, plan.symbol);
      try {
        sources.set(tf.name, await resampleTimeframe(layout, plan, tf, source, nowStore, opts, tfStats, batch, depth.get(tf.name)!));
      } catch (err) {
        throw asResampleError(err, file, plan.symbol, tf.name);
      }
    }
    if (own) await batch.flush();
  } catch (err) {
    if (own) await batch.abandon();
    throw err;
  }
  return stats;
}

/** The aggregate store as a source, limited to its committed out_pos; undefined when it has no index yet. */
async function baseSource(layout: Layout, symbol: string): Promise<Source | undefined> {
  const file = layout.aggregateStore(symbol);
  const index = readIndexFileSync(layout.aggregateIndex(symbol), STAGE);
  if (!index || fileSizeSync(file) === undefined) return undefined;
  const reader = await StoreReader.open(file, { stage: STAGE, expect: { symbol, timeframe: BASE_TIMEFRAME }, limit: index.outPos });
  let finalEnd = Number.NEGATIVE_INFINITY;
  try {
    if (reader.header.generation !== index.generation) {
      throw new CorruptFileError('Aggregate', file, `the store is generation ${reader.header.generation} but its index describes generation ${index.generation}; run \`candlestore rebuild aggregate\``, 0, 'STORE_DAMAGED');
    }
    if (index.finalPos > HEADER_SIZE) finalEnd = (await reader.tsAt((index.finalPos - HEADER_SIZE) / RECORD_SIZE - 1)) + MINUTE_MS;
  } finally {
    await reader.close();
  }
  return { file, timeframe: BASE_TIMEFRAME, end: index.outPos, finalPos: index.finalPos, finalEnd, decimals: reader.header.decimals, rule: BASE_RULE };
}

async function resampleTimeframe(
  layout: Layout, plan: SymbolPlan, tf: TimeframePlan, source: Source, nowStore: number, opts: ResampleOptions, stats: TimeframeStats, batch: CommitBatch, level: number,
): Promise<Source> {
  const paths = { store: layout.resampleStore(tf.name, plan.symbol), index: layout.resampleIndex(tf.name, plan.symbol) };
  const state = await repairTimeframe(paths, plan.symbol, tf.name, tf.fingerprint, (m) => {
    stats.repairs.push(m);
    opts.onRepair?.(m);
  }, opts.tempListings);
  const ix = state.index;
  if (ix) {
    if (state.header!.decimals !== source.decimals) {
      throw new CorruptFileError(STAGE, paths.store, `prices have ${state.header!.decimals} decimals but its source ${source.file} has ${source.decimals}; ${REBUILD_HINT}`, undefined, 'DECIMALS_MISMATCH');
    }
    if (!isRecordBoundary(ix.inPos) || ix.inPos > source.finalPos) {
      throw damaged(paths.index, `in_pos ${ix.inPos} is not a record position up to the end ${source.finalPos} of the final records of its source ${source.file} (the source was rebuilt or cut)`);
    }
  }
  const fromPos = ix ? ix.inPos : HEADER_SIZE;
  const finalPos = ix ? ix.finalPos : HEADER_SIZE;
  stats.fromPos = fromPos;
  stats.fromScratch = !ix;
  const periodEnd = periodEnds(tf.rule, plan.session, plan.shift);
  const horizon = horizonOf(tf.rule, nowStore, source.finalEnd);

  // A new file is a new incarnation of the timeframe: a fresh generation, carried by every index of it.
  const generation = ix ? ix.generation : newGeneration();
  const out = new BarFile(paths.store, finalPos, ix ? undefined : encodeHeader({ timeframe: tf.name, symbol: plan.symbol, decimals: source.decimals, generation, definition: tf.fingerprint }));
  const sink = new BarSink((bytes) => out.write(bytes), { dataCrc: ix?.dataCrc ?? 0 });
  const folder = new Folder(makeBucketer(tf.rule, source.rule, plan.session, plan.shift), sink, source.file, horizon, periodEnd);
  const scan = await SourceScan.open(source.file, STAGE, { symbol: plan.symbol, timeframe: source.timeframe }, source.end);
  try {
    try {
      for (const chunk of scan.chunks(fromPos, opts.chunkBytes ?? DEFAULT_CHUNK_BYTES)) {
        if (opts.signal?.aborted) throw new CancelledError(STAGE);
        folder.fold(chunk);
      }
    } finally {
      stats.bytesRead = scan.bytesRead;
      stats.rowsRead = folder.rows;
    }
    folder.finish();
    stats.barsClosed = sink.finalBars;
    const newFinalPos = finalPos + sink.finalBars * RECORD_SIZE;
    const outPos = out.pos;
    stats.barsProvisional = (outPos - newFinalPos) / RECORD_SIZE;
    // The next run re-derives every bar from the first provisional one; never from past the source's final
    // rows (a provisional source row outside every session range is in no bar, yet it may change).
    const inPos = Math.min(folder.tail ? folder.tailSrc : source.end, source.finalPos);
    // The end of this file's final part, for its dependents: the period end of its last final bar.
    const lastFinalKey = Number.isNaN(folder.lastFinalKey) ? state.lastFinalKey : folder.lastFinalKey;
    const self: Source = {
      file: paths.store, timeframe: tf.name, end: outPos, finalPos: newFinalPos, decimals: source.decimals, rule: tf.rule,
      finalEnd: Number.isNaN(lastFinalKey) ? Number.NEGATIVE_INFINITY : periodEnds(tf.rule, plan.session, plan.shift)(lastFinalKey),
    };
    const next: StoreIndex = { lastDate: 0, inPos, outPos, csvPos: 0, tailCrc: sink.tailCrc, dataCrc: sink.dataCrc, finalPos: newFinalPos, generation };
    const unchanged = ix !== undefined && out.pendingEquals(state.tail) && encodeIndex(next).equals(encodeIndex(ix)) && fileSizeSync(paths.store) === ix.outPos;
    if (unchanged) {
      out.discard();
      return self;
    }
    const wrap = (err: unknown) => asResampleError(err, paths.store, plan.symbol, tf.name);
    out.commit(batch, wrap);
    if (!ix) batch.newEntryIn(dirname(paths.store), wrap);
    // Renamed after its source's index (level = depth in the cascade): never newer than what it was built from.
    batch.index(paths.index, next, wrap, level);
    stats.changed = true;
    return self;
  } finally {
    scan.close();
    sink.release();
    out.close();
  }
}

/**
 * Positioned writes into a timeframe file from `pos` on (over the old provisional tail). The first
 * PENDING_BYTES are held in memory, so a run whose bars come out as they were (the usual incremental run)
 * writes nothing; past that, or at commit, the file is opened (a fresh file gets its header first) and
 * written. commit() cuts the file at the last byte written and hands it to the batch, which fsyncs and
 * closes it.
 */
class BarFile {
  private fd: number | undefined;
  /** Bytes written this run. */
  private written = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly start: number;

  constructor(private readonly file: string, public pos: number, private readonly header: Buffer | undefined) {
    this.start = pos;
  }

  write(bytes: Uint8Array): void {
    if (this.fd === undefined && this.pendingBytes + bytes.length <= PENDING_BYTES) {
      this.pending.push(Buffer.from(bytes));
      this.pendingBytes += bytes.length;
      this.pos += bytes.length;
      return;
    }
    this.flushPending();
    this.writeAt(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Nothing reached the file and what was written this run is exactly `bytes`. */
  pendingEquals(bytes: Buffer): boolean {
    return this.fd === undefined && this.pendingBytes === bytes.length && Buffer.concat(this.pending).equals(bytes);
  }

  /** Forget what is pending (nothing changed). */
  discard(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }

  commit(batch: CommitBatch, wrap: (err: unknown) => Error): void {
    this.flushPending();
    const fd = this.open();
    ftruncateSync(fd, this.pos);
    this.fd = undefined;
    // A big write (a cold build) is fsynced at once, so the disk works while the next timeframe is computed.
    batch.syncAndClose(fd, wrap, this.written >= EARLY_SYNC_BYTES);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private flushPending(): void {
    const fd = this.open();
    let at = this.start;
    for (const b of this.pending) {
      this.writeAt(b, at, fd);
      at += b.length;
    }
    this.discard();
  }

  private writeAt(bytes: Uint8Array, pos: number, fd = this.open()): void {
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, pos + done);
    this.written += bytes.length;
  }

  private open(): number {
    if (this.fd !== undefined) return this.fd;
    if (this.header) {
      // A fresh file (repair deleted any leftover): its directory may not exist yet.
      // Folders made here are fsynced into their parents (a power loss must not take the new file's folder).
      mkdirDurableSync(dirname(this.file));
      this.fd = openSync(this.file, constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC, 0o644);
      writeSync(this.fd, this.header, 0, this.header.length, 0);
    } else {
      this.fd = openSync(this.file, constants.O_RDWR);
    }
    return this.fd;
  }
}

function asResampleError(err: unknown, file: string, symbol: string, timeframe: string): CandleError {
  if (err instanceof CandleError) {
    if (!(err instanceof CancelledError) && !(err instanceof ConfigError)) err.stage = STAGE;
    return err;
  }
  const message = err instanceof Error ? err.message : String(err);
  return new CandleError(STAGE, 'IO_ERROR', `${symbol} ${timeframe}: ${message} (${file})`, { cause: err });
}
