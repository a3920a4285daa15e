// Resample one symbol: each timeframe of its plan in dependency order, each from its source (the aggregate
// 1m store up to its committed out_pos, or a timeframe file including its open bar). Per timeframe:
//   1. repair to the last commit (repair.ts);
//   2. scan the source from in_pos (the first source row of the open bar) to the source's visible end —
//      nothing before in_pos is ever read again (stats.bytesRead proves it);
//   3. write the bars that closed at out_pos (over the old open bar), then the new open bar (FLAG_OPEN);
//   4. commit: cut the file to its new end, fsync, then replace the index atomically
//      (in_pos = the open bar's src, out_pos = end of the closed bars, last_date = definition fingerprint).
// A run that finds nothing new writes nothing. Closed bars depend only on rows before the next bucket, so
// any sequence of runs leaves the same bytes as one run from scratch.
import { closeSync, constants, fsyncSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { CancelledError, CandleError, ConfigError, CorruptFileError, type Stage } from '../errors.js';
import type { Layout } from '../paths.js';
import { HEADER_SIZE, RECORD_SIZE, encodeHeader, isRecordBoundary } from '../store/format.js';
import { readIndexFile, writeIndexFile } from '../store/indexFile.js';
import { DEFAULT_CHUNK_BYTES, StoreReader } from '../store/reader.js';
import { fileSize } from '../store/writer.js';
import { fsyncDir } from '../util/fsx.js';
import { makeBucketer } from './bucket.js';
import { BarSink, Folder } from './fold.js';
import { SourceScan } from './scan.js';
import type { SymbolPlan, TimeframePlan } from './plan.js';
import { REBUILD_HINT, damaged, repairTimeframe } from './repair.js';
import { BASE_RULE, BASE_TIMEFRAME, type Rule } from './rules.js';

const STAGE: Stage = 'Resample';

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
  const sources = new Map<string, Source>([[BASE_TIMEFRAME, base]]);
  for (const tf of plan.timeframes) {
    const source = sources.get(tf.source)!;
    const tfStats: TimeframeStats = { timeframe: tf.name, barsClosed: 0, rowsRead: 0, bytesRead: 0, fromPos: 0, sourceEnd: source.end, changed: false, fromScratch: false, repairs: [] };
    stats.timeframes.push(tfStats);
    const file = layout.resampleStore(tf.name, plan.symbol);
    try {
      sources.set(tf.name, await resampleTimeframe(layout, plan, tf, source, opts, tfStats));
    } catch (err) {
      throw asResampleError(err, file, plan.symbol, tf.name);
    }
  }
  return stats;
}

/** The aggregate store as a source, limited to its committed out_pos; undefined when it has no index yet. */
async function baseSource(layout: Layout, symbol: string): Promise<Source | undefined> {
  const file = layout.aggregateStore(symbol);
  const index = await readIndexFile(layout.aggregateIndex(symbol), STAGE);
  if (!index || (await fileSize(file)) === undefined) return undefined;
  const reader = await StoreReader.open(file, { stage: STAGE, expect: { symbol, timeframe: BASE_TIMEFRAME }, limit: index.outPos });
  await reader.close();
  return { file, timeframe: BASE_TIMEFRAME, end: index.outPos, decimals: reader.header.decimals, rule: BASE_RULE };
}

async function resampleTimeframe(layout: Layout, plan: SymbolPlan, tf: TimeframePlan, source: Source, opts: ResampleOptions, stats: TimeframeStats): Promise<Source> {
  const paths = { store: layout.resampleStore(tf.name, plan.symbol), index: layout.resampleIndex(tf.name, plan.symbol) };
  const state = await repairTimeframe(paths, plan.symbol, tf.name, tf.fingerprint, (m) => {
    stats.repairs.push(m);
    opts.onRepair?.(m);
  });
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

  const out = new BarFile(paths.store, ix ? ix.outPos : HEADER_SIZE, ix ? undefined : encodeHeader({ timeframe: tf.name, symbol: plan.symbol, decimals: source.decimals }));
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
      && (open ? state.openBytes !== undefined && open.equals(state.openBytes) : state.openBytes === undefined && (await fileSize(paths.store)) === ix.outPos);
    if (unchanged) return self;
    if (open) out.write(open);
    await out.commit();
    if (!ix) await fsyncDir(dirname(paths.store));
    await writeIndexFile(paths.index, { lastDate: tf.fingerprint, inPos, outPos, csvPos: 0, tailCrc: sink.tailCrc, dataCrc: sink.dataCrc });
    stats.changed = true;
    return self;
  } finally {
    sink.release();
    out.close();
  }
}

/**
 * Positioned writes into a timeframe file from `pos` on (over the old open bar), opened on first use: a
 * fresh file gets its header first. commit() cuts the file at the last byte written and fsyncs once.
 */
class BarFile {
  private fd: number | undefined;

  constructor(private readonly file: string, public pos: number, private readonly header: Buffer | undefined) {}

  write(bytes: Uint8Array): void {
    const fd = this.open();
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, this.pos + done);
    this.pos += bytes.length;
  }

  async commit(): Promise<void> {
    const fd = this.open();
    ftruncateSync(fd, this.pos);
    fsyncSync(fd);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): number {
    if (this.fd !== undefined) return this.fd;
    if (this.header) {
      // A fresh file (repair deleted any leftover): its directory may not exist yet.
      mkdirSync(dirname(this.file), { recursive: true });
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
