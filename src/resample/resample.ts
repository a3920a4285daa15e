// Resample one symbol: every timeframe of its plan in one pass over its new 1m rows (SymbolCascade), each
// timeframe from its source (the aggregate 1m store or a timeframe, up to its committed out_pos). A file has
// final bars [64, final_pos), never rewritten, and a provisional tail [final_pos, out_pos) that runs rewrite
// (docs/format.md, "Final and provisional"; period.ts says which bars are final). Per timeframe:
//   1. repair to the last commit (repair.ts);
//   2. fold the source from in_pos (the first source row of the first provisional bar, at most the source's
//      final_pos) to its committed end — nothing before in_pos is ever taken again (stats.bytesRead proves
//      it). The 1m store is read once for all timeframes built from it; a timeframe's new bars go straight
//      from its fold to its dependents' folds, so no timeframe file is read back;
//   3. write every bar from there at final_pos: newly final bars, then the new provisional tail;
//   4. commit: cut the file to its new end and start its fsync (on the thread pool, while the next symbol is
//      computed); once every file of the batch is durable, replace the indexes atomically.
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
import { StoreReader } from '../store/reader.js';
import { fileSizeSync } from '../store/writer.js';
import { makeBucketer } from './bucket.js';
import { BarSink, Folder } from './fold.js';
import { RecordChunk } from '../store/chunk.js';
import { SourceScan } from './scan.js';
import type { SymbolPlan, TimeframePlan } from '../timeframes/plan.js';
import { REBUILD_HINT, damaged, repairTimeframe, type TimeframeState } from './repair.js';
import { BASE_RULE, BASE_TIMEFRAME, type Rule } from '../timeframes/rules.js';
import { maxPeriodMs, periodEnds } from './period.js';
import { storeAxis } from './zone.js';
import { MINUTE_MS } from '../util/dates.js';
import { mkdirDurableSync } from '../util/fsx.js';

const STAGE = 'Resample' satisfies Stage;
/** A timeframe file with at least this much new data starts its fsync as soon as it is written. */
const EARLY_SYNC_BYTES = 1024 * 1024;
/** Bars held in memory before the file is touched (an incremental run's tail is a few bars). */
const PENDING_BYTES = 256 * 1024;
/** Read chunk of a source file (1 MiB: fewer syscalls than the sink's size, still mostly in cache). */
const SCAN_CHUNK_BYTES = 1024 * 1024;

export interface TimeframeStats {
  timeframe: string;
  /** Bars that became final this run (written once, never again). */
  barsClosed: number;
  /** Bars in the provisional tail after this run. */
  barsProvisional: number;
  /** Source rows scanned (from in_pos to the source's end). */
  rowsRead: number;
  /**
   * Source bytes taken, its 64-byte header included: rows from fromPos to the source's end, read from the
   * source's file or handed over in memory by the source's own fold (SymbolCascade).
   */
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
  /** Source read chunk (default 1 MiB). */
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

/** The aggregate 1m store as the cascade's root: what is known of it before its rows are folded. */
export interface BaseStore {
  file: string;
  decimals: number;
}

/** Where the 1m rows end, known once they are all handed over (or up front, read from its index). */
export interface BaseEnd {
  /** Committed end (out_pos). */
  end: number;
  /** End of its final records (final_pos). */
  finalPos: number;
  /** ts of the last final record + 1 minute (-Infinity without final records). */
  finalEnd: number;
}

/** A timeframe file as its dependents see it once its fold has finished. */
interface Source {
  file: string;
  timeframe: string;
  /** Committed end (out_pos). */
  end: number;
  /** End of its final records (final_pos). */
  finalPos: number;
  /** Store ts at which the last final record ends (its period end; -Infinity without final records). */
  finalEnd: number;
}

/** Bring every timeframe of `plan.symbol` up to date. Errors are CandleErrors of stage Resample. */
export async function resampleSymbol(layout: Layout, plan: SymbolPlan, opts: ResampleOptions = {}): Promise<ResampleStats> {
  const base = await baseSource(layout, plan.symbol);
  if (!base) return { symbol: plan.symbol, timeframes: [], skipped: 'no aggregate store yet' };
  const cascade = await SymbolCascade.open(layout, plan, { file: base.file, decimals: base.decimals }, { ...opts, baseEnd: base });
  try {
    const scan = await SourceScan.open(base.file, STAGE, { symbol: plan.symbol, timeframe: BASE_TIMEFRAME }, base.end);
    try {
      for (const chunk of scan.chunks(cascade.baseFrom, opts.chunkBytes ?? SCAN_CHUNK_BYTES)) {
        if (opts.signal?.aborted) throw new CancelledError(STAGE);
        cascade.feedBase(chunk);
      }
    } catch (err) {
      throw cascade.baseError(err);
    } finally {
      cascade.baseBytesRead(scan.bytesRead);
      scan.close();
    }
    return await cascade.finish(base);
  } finally {
    cascade.release();
  }
}

/** The aggregate store as a source, limited to its committed out_pos; undefined when it has no index yet. */
async function baseSource(layout: Layout, symbol: string): Promise<(BaseStore & BaseEnd) | undefined> {
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
  return { file, decimals: reader.header.decimals, end: index.outPos, finalPos: index.finalPos, finalEnd };
}

/** One timeframe of the cascade: its file, its fold, and the timeframes folded from it. */
interface Node {
  tf: TimeframePlan;
  /** Depth in the cascade (1: built from 1m). */
  level: number;
  stats: TimeframeStats;
  paths: { store: string; index: string };
  state: TimeframeState;
  generation: number;
  /** Old final_pos: bars are written from here on; before it the file is left as it is. */
  finalPos: number;
  out: BarFile;
  sink: BarSink;
  folder: Folder;
  children: Node[];
  /** Set when its fold has finished. */
  self?: Source;
}

/**
 * One pass over a symbol's 1m rows builds every timeframe: each timeframe's fold hands the bars it writes
 * (a sink buffer at a time, while they are still in the CPU cache) straight to the folds of the timeframes
 * built from it, so the 1m store is read once and no timeframe file is read back. The semantics are those of
 * the cascade of files (a bar's src is a position in its source file, each timeframe starts at its own
 * in_pos): a dependent whose in_pos is before the bars its source rewrites reads that part (final bars,
 * unchanged) from the source's file first.
 *   open()      repairs every timeframe (plan order) and reads those parts (dependents first);
 *   feedBase()  1m rows in order from `baseFrom` (earlier rows are skipped);
 *   finish()    finishes the folds in plan order and commits (into opts.batch, or its own batch).
 * Also the entry point for 1m records already in memory (a fused cold path): feed them as RecordChunks at
 * their store positions with the count of final rows, then finish() with the store's committed end.
 */
export class SymbolCascade {
  /** First 1m position any timeframe built from 1m needs. */
  readonly baseFrom: number;
  private readonly roots: Node[];
  private readonly nodes: Node[];
  private readonly batch: CommitBatch;
  private readonly ownBatch: boolean;
  private released = false;

  private constructor(private readonly plan: SymbolPlan, private readonly base: BaseStore, nodes: Node[], batch: CommitBatch | undefined, readonly stats: ResampleStats) {
    this.nodes = nodes;
    this.roots = nodes.filter((n) => n.tf.source === BASE_TIMEFRAME);
    this.baseFrom = Math.min(...this.roots.map((n) => n.stats.fromPos));
    this.ownBatch = batch === undefined;
    this.batch = batch ?? new CommitBatch();
  }

  /**
   * Repair and set up every timeframe of `plan`. `opts.baseEnd`: the 1m store's committed end when known
   * before its rows are fed (timeframes built from 1m then fold knowing which bars are final from the start).
   */
  static async open(layout: Layout, plan: SymbolPlan, base: BaseStore, opts: ResampleOptions & { baseEnd?: BaseEnd } = {}): Promise<SymbolCascade> {
    const nowStore = storeAxis(plan.shift).storeOf(opts.nowMs ?? Date.now());
    const nodes: Node[] = [];
    const byName = new Map<string, Node>();
    const cascade = () => new SymbolCascade(plan, base, nodes, opts.batch, stats);
    const stats: ResampleStats = { symbol: plan.symbol, timeframes: [] };
    try {
      for (const tf of plan.timeframes) {
        const parent = byName.get(tf.source);
        const level = parent ? parent.level + 1 : 1;
        const sourceFile = parent ? parent.paths.store : base.file;
        const paths = { store: layout.resampleStore(tf.name, plan.symbol), index: layout.resampleIndex(tf.name, plan.symbol) };
        const tfStats: TimeframeStats = { timeframe: tf.name, barsClosed: 0, barsProvisional: 0, rowsRead: 0, bytesRead: 0, fromPos: 0, sourceEnd: 0, changed: false, fromScratch: false, repairs: [] };
        stats.timeframes.push(tfStats);
        try {
          const node = await openNode(plan, tf, level, paths, tfStats, sourceFile, parent ? parent.tf.rule : BASE_RULE, base.decimals, nowStore, parent ? undefined : opts.baseEnd?.finalEnd, opts);
          nodes.push(node);
          byName.set(tf.name, node);
          parent?.children.push(node);
        } catch (err) {
          throw asResampleError(err, paths.store, plan.symbol, tf.name);
        }
      }
      // Dependents whose in_pos is before the bars their source rewrites take those bars from the file now,
      // deepest first: what they fold is handed on to their own dependents, which must have done the same.
      for (const node of [...nodes].reverse()) {
        const parent = byName.get(node.tf.source);
        if (!parent || node.stats.fromPos >= parent.finalPos) continue;
        try {
          const scan = await SourceScan.open(parent.paths.store, STAGE, { symbol: plan.symbol, timeframe: parent.tf.name }, parent.finalPos);
          try {
            for (const chunk of scan.chunks(node.stats.fromPos, opts.chunkBytes ?? SCAN_CHUNK_BYTES)) {
              if (opts.signal?.aborted) throw new CancelledError(STAGE);
              node.stats.rowsRead += chunk.count;
              node.folder.fold(chunk);
            }
          } finally {
            node.stats.bytesRead += scan.bytesRead;
            scan.close();
          }
        } catch (err) {
          throw asResampleError(err, node.paths.store, plan.symbol, node.tf.name);
        }
      }
    } catch (err) {
      const c = cascade();
      c.release();
      if (c.ownBatch) await c.batch.abandon();
      throw err;
    }
    return cascade();
  }

  /** 1m rows, in order; rows before `baseFrom` are skipped. `finals`: how many of them are final (default: all). */
  feedBase(chunk: RecordChunk, finals = chunk.count): void {
    for (const node of this.roots) take(node, chunk, finals, this.plan.symbol);
  }

  /** Count bytes read from the 1m file (its header included) for the stats of the timeframes built from it. */
  baseBytesRead(bytes: number): void {
    for (const node of this.roots) node.stats.bytesRead += bytes;
  }

  /** An error while reading the 1m rows, named after the first timeframe that reads them. */
  baseError(err: unknown): CandleError {
    const node = this.roots[0];
    return asResampleError(err, node.paths.store, this.plan.symbol, node.tf.name);
  }

  /**
   * Finish every fold (plan order: a source before its dependents) and commit; `baseEnd` is the 1m store's
   * committed end. Returns before the commit when opts.batch was given (the caller flushes it).
   */
  async finish(baseEnd: BaseEnd): Promise<ResampleStats> {
    try {
      const base: Source = { file: this.base.file, timeframe: BASE_TIMEFRAME, ...baseEnd };
      for (const node of this.nodes) {
        const source = node.tf.source === BASE_TIMEFRAME ? base : this.nodes.find((n) => n.tf.name === node.tf.source)!.self!;
        try {
          finishNode(this.plan, node, source, this.batch);
        } catch (err) {
          throw asResampleError(err, node.paths.store, this.plan.symbol, node.tf.name);
        }
      }
      this.release();
      if (this.ownBatch) await this.batch.flush();
    } catch (err) {
      this.release();
      if (this.ownBatch) await this.batch.abandon();
      throw err;
    }
    return this.stats;
  }

  /** Close files and return buffers (idempotent; after an error nothing is committed). */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const node of this.nodes) {
      node.sink.release();
      node.out.close();
    }
  }
}

async function openNode(
  plan: SymbolPlan, tf: TimeframePlan, level: number, paths: { store: string; index: string }, stats: TimeframeStats,
  sourceFile: string, sourceRule: Rule, decimals: number, nowStore: number, sourceFinalEnd: number | undefined, opts: ResampleOptions,
): Promise<Node> {
  const state = await repairTimeframe(paths, plan.symbol, tf.name, tf.fingerprint, (m) => {
    stats.repairs.push(m);
    opts.onRepair?.(m);
  }, opts.tempListings);
  const ix = state.index;
  if (ix) {
    if (state.header!.decimals !== decimals) {
      throw new CorruptFileError(STAGE, paths.store, `prices have ${state.header!.decimals} decimals but its source ${sourceFile} has ${decimals}; ${REBUILD_HINT}`, undefined, 'DECIMALS_MISMATCH');
    }
    if (!isRecordBoundary(ix.inPos)) throw damaged(paths.index, `in_pos ${ix.inPos} is not a record position`);
  }
  stats.fromPos = ix ? ix.inPos : HEADER_SIZE;
  stats.fromScratch = !ix;
  const finalPos = ix ? ix.finalPos : HEADER_SIZE;
  // A new file is a new incarnation of the timeframe: a fresh generation, carried by every index of it.
  const generation = ix ? ix.generation : newGeneration();
  const header = ix ? undefined : encodeHeader({ timeframe: tf.name, symbol: plan.symbol, decimals, generation, definition: tf.fingerprint });
  const out = new BarFile(paths.store, finalPos, header, Math.min(PENDING_BYTES, state.tail.length));
  const node = { tf, level, stats, paths, state, generation, finalPos, out, children: [] as Node[] } as Partial<Node> as Node;
  node.sink = new BarSink((bytes, finals) => handOn(node, bytes, finals, plan.symbol), { dataCrc: ix?.dataCrc ?? 0 });
  const timing = { now: nowStore, maxPeriodMs: maxPeriodMs(tf.rule), sourceFinalEnd };
  node.folder = new Folder(makeBucketer(tf.rule, sourceRule, plan.session, plan.shift), node.sink, sourceFile, timing, periodEnds(tf.rule, plan.session, plan.shift));
  return node;
}

/** A full sink buffer of `node`: write it, then fold it into each dependent (at its position in the file). */
function handOn(node: Node, bytes: Buffer, finals: number, symbol: string): void {
  const at = node.out.pos;
  node.out.write(bytes);
  if (node.children.length === 0) return;
  const chunk = new RecordChunk(bytes, at);
  for (const child of node.children) take(child, chunk, finals, symbol);
}

/** Fold the rows of `chunk` from `node`'s in_pos on. */
function take(node: Node, chunk: RecordChunk, finals: number, symbol: string): void {
  const from = node.stats.fromPos;
  if (chunk.endPos <= from) return;
  let rows = chunk;
  let finalRows = finals;
  if (chunk.startPos < from) {
    const skip = (from - chunk.startPos) / RECORD_SIZE;
    rows = new RecordChunk(chunk.buf.subarray(skip * RECORD_SIZE), from);
    finalRows = Math.max(0, finals - skip);
  }
  node.stats.rowsRead += rows.count;
  try {
    node.folder.fold(rows, finalRows);
  } catch (err) {
    throw asResampleError(err, node.paths.store, symbol, node.tf.name);
  }
}

/** Finish `node`'s fold now that its source has finished, and hand its file to the batch. */
function finishNode(plan: SymbolPlan, node: Node, source: Source, batch: CommitBatch): void {
  const { tf, stats, paths, state, out, sink, folder } = node;
  const ix = state.index;
  stats.sourceEnd = source.end;
  if (ix && ix.inPos > source.finalPos) {
    throw damaged(paths.index, `in_pos ${ix.inPos} is past the end ${source.finalPos} of the final records of its source ${source.file} (the source was rebuilt or cut)`);
  }
  folder.resolve(source.finalEnd);
  folder.finish();
  stats.barsClosed = sink.finalBars;
  const newFinalPos = node.finalPos + sink.finalBars * RECORD_SIZE;
  const outPos = out.pos;
  stats.barsProvisional = (outPos - newFinalPos) / RECORD_SIZE;
  // Bytes of its source taken (read from the source's file, or handed over in memory by its fold), the
  // source's header included: nothing before in_pos is ever taken again.
  if (tf.source !== BASE_TIMEFRAME || stats.bytesRead === 0) stats.bytesRead = HEADER_SIZE + stats.rowsRead * RECORD_SIZE;
  // The next run re-derives every bar from the first provisional one; never from past the source's final
  // rows (a provisional source row outside every session range is in no bar, yet it may change).
  const inPos = Math.min(folder.tail ? folder.tailSrc : source.end, source.finalPos);
  // The end of this file's final part, for its dependents: the period end of its last final bar.
  const lastFinalKey = Number.isNaN(folder.lastFinalKey) ? state.lastFinalKey : folder.lastFinalKey;
  node.self = {
    file: paths.store, timeframe: tf.name, end: outPos, finalPos: newFinalPos,
    finalEnd: Number.isNaN(lastFinalKey) ? Number.NEGATIVE_INFINITY : periodEnds(tf.rule, plan.session, plan.shift)(lastFinalKey),
  };
  const next: StoreIndex = { lastDate: 0, inPos, outPos, csvPos: 0, tailCrc: sink.tailCrc, dataCrc: sink.dataCrc, finalPos: newFinalPos, generation: node.generation };
  const unchanged = ix !== undefined && out.pendingEquals(state.tail) && encodeIndex(next).equals(encodeIndex(ix)) && fileSizeSync(paths.store) === ix.outPos;
  if (unchanged) {
    out.discard();
    return;
  }
  const wrap = (err: unknown) => asResampleError(err, paths.store, plan.symbol, tf.name);
  out.commit(batch, wrap);
  if (!ix) batch.newEntryIn(dirname(paths.store), wrap);
  // Renamed after its source's index (level = depth in the cascade): never newer than what it was built from.
  batch.index(paths.index, next, wrap, node.level);
  stats.changed = true;
}

/**
 * Positioned writes into a timeframe file from `pos` on (over the old provisional tail). Up to `holdBytes`
 * (the old tail's length, at most PENDING_BYTES) are held in memory, so a run whose bars come out as they
 * were (the usual incremental run) writes nothing; past that, or at commit, the file is opened (a fresh file
 * gets its header first) and written. commit() cuts the file at the last byte written and hands it to the
 * batch, which fsyncs and closes it.
 */
class BarFile {
  private fd: number | undefined;
  /** Bytes written this run. */
  private written = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly start: number;

  constructor(private readonly file: string, public pos: number, private readonly header: Buffer | undefined, private readonly holdBytes: number) {
    this.start = pos;
  }

  write(bytes: Uint8Array): void {
    if (this.fd === undefined && this.pendingBytes + bytes.length <= this.holdBytes) {
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
    // A big write (a cold build) is fsynced at once, so the disk works while the next symbol is computed.
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
      // A fresh file (repair deleted any leftover): its directory may not exist yet (the stage makes them
      // before its threads start: see stage.ts). Folders made here are fsynced into their parents (a power
      // loss must not take the new file's folder).
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
