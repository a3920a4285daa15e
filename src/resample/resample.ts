// Resample one symbol: each timeframe of its plan in dependency order, each from its source (the aggregate
// 1m store up to its committed out_pos, or a timeframe file including its open bar). Per timeframe:
//   1. repair to the last commit (repair.ts);
//   2. scan the source from in_pos (the first source row of the open bar) to the source's visible end —
//      nothing before in_pos is ever read again (stats.bytesRead proves it);
//   3. write the bars that closed at out_pos (over the old open bar), then the new open bar (FLAG_OPEN);
//   4. commit: cut the file to its new end and start its fsync (on the thread pool, while the next timeframe
//      is computed); once every file of the batch is durable, replace the indexes atomically
//      (in_pos = the open bar's src, out_pos = end of the closed bars, last_date = definition fingerprint).
//      The batch is the symbol's timeframes, or every symbol of an inline stage run (store/commit.ts).
// A run that finds nothing new writes nothing. Closed bars depend only on rows before the next bucket, so
// any sequence of runs leaves the same bytes as one run from scratch: a crash between two index renames
// leaves a dependent's in_pos ahead of its source's index, which the rerun of the source catches up with
// before the dependent reads it.
// Everything but fsync uses synchronous syscalls: a thread-pool round trip would queue behind the fsyncs.
import { closeSync, constants, ftruncateSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { CancelledError, CandleError, ConfigError, CorruptFileError, type Stage } from '../errors.js';
import type { Layout } from '../paths.js';
import { HEADER_SIZE, RECORD_SIZE, encodeHeader, isRecordBoundary, newGeneration } from '../store/format.js';
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
import { mkdirDurableSync } from '../util/fsx.js';

const STAGE = 'Resample' satisfies Stage;
/** A timeframe file with at least this much new data starts its fsync as soon as it is written. */
const EARLY_SYNC_BYTES = 1024 * 1024;

export interface TimeframeStats {
  timeframe: string;
  /** Bars that closed this run (written once, never again). */
  barsClosed: number;
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
}

/** What a timeframe's dependents read: a file and its visible end. */
interface Source {
  file: string;
  timeframe: string;
  end: number;
  decimals: number;
  rule: Rule;
}

/** Bring every timeframe of `plan.symbol` up to date. Errors are CandleErrors of stage Resample. */
export async function resampleSymbol(layout: Layout, plan: SymbolPlan, opts: ResampleOptions = {}): Promise<ResampleStats> {
  const stats: ResampleStats = { symbol: plan.symbol, timeframes: [] };
  const base = await baseSource(layout, plan.symbol);
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
      const tfStats: TimeframeStats = { timeframe: tf.name, barsClosed: 0, rowsRead: 0, bytesRead: 0, fromPos: 0, sourceEnd: source.end, changed: false, fromScratch: false, repairs: [] };
      stats.timeframes.push(tfStats);
      const file = layout.resampleStore(tf.name, plan.symbol);
      try {
        sources.set(tf.name, await resampleTimeframe(layout, plan, tf, source, opts, tfStats, batch, depth.get(tf.name)!));
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
  await reader.close();
  return { file, timeframe: BASE_TIMEFRAME, end: index.outPos, decimals: reader.header.decimals, rule: BASE_RULE };
}

async function resampleTimeframe(
  layout: Layout, plan: SymbolPlan, tf: TimeframePlan, source: Source, opts: ResampleOptions, stats: TimeframeStats, batch: CommitBatch, level: number,
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
    if (!isRecordBoundary(ix.inPos) || ix.inPos > source.end) {
      throw damaged(paths.index, `in_pos ${ix.inPos} is not a record position up to the end ${source.end} of its source ${source.file} (the source was rebuilt or cut)`);
    }
  }
  const fromPos = ix ? ix.inPos : HEADER_SIZE;
  stats.fromPos = fromPos;
  stats.fromScratch = !ix;
  const self: Source = { file: paths.store, timeframe: tf.name, end: 0, decimals: source.decimals, rule: tf.rule };

  // A new file is a new incarnation of the timeframe: a fresh generation, carried by every index of it.
  const generation = state.header?.generation ?? newGeneration();
  const out = new BarFile(paths.store, ix ? ix.outPos : HEADER_SIZE, ix ? undefined : encodeHeader({ timeframe: tf.name, symbol: plan.symbol, decimals: source.decimals, generation, definition: tf.fingerprint }));
  const sink = new BarSink((bytes) => out.write(bytes), { dataCrc: ix?.dataCrc ?? 0, tailCrc: ix?.tailCrc ?? 0 });
  const folder = new Folder(makeBucketer(tf.rule, source.rule, plan.session, plan.shift), sink, source.file);
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
    sink.drain();
    stats.barsClosed = sink.closed;
    const open = folder.openBar();
    const inPos = open ? folder.src : source.end;
    const outPos = out.pos;
    const end = outPos + (open ? RECORD_SIZE : 0);
    self.end = end;
    const unchanged = ix !== undefined && sink.closed === 0 && inPos === ix.inPos
      && (open ? state.openBytes !== undefined && open.equals(state.openBytes) : state.openBytes === undefined && fileSizeSync(paths.store) === ix.outPos);
    if (unchanged) return self;
    if (open) out.write(open);
    const wrap = (err: unknown) => asResampleError(err, paths.store, plan.symbol, tf.name);
    out.commit(batch, wrap);
    if (!ix) batch.newEntryIn(dirname(paths.store), wrap);
    // Renamed after its source's index (level = depth in the cascade): never newer than what it was built from.
    batch.index(paths.index, { lastDate: 0, inPos, outPos, csvPos: 0, tailCrc: sink.tailCrc, dataCrc: sink.dataCrc, finalPos: outPos, generation }, wrap, level);
    stats.changed = true;
    return self;
  } finally {
    scan.close();
    sink.release();
    out.close();
  }
}

/**
 * Positioned writes into a timeframe file from `pos` on (over the old open bar), opened on first use: a
 * fresh file gets its header first. commit() cuts the file at the last byte written and hands it to the
 * batch, which fsyncs and closes it.
 */
class BarFile {
  private fd: number | undefined;
  /** Bytes written this run. */
  private written = 0;

  constructor(private readonly file: string, public pos: number, private readonly header: Buffer | undefined) {}

  write(bytes: Uint8Array): void {
    const fd = this.open();
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, this.pos + done);
    this.pos += bytes.length;
    this.written += bytes.length;
  }

  commit(batch: CommitBatch, wrap: (err: unknown) => Error): void {
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
