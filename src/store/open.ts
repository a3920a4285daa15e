// The public, typed reader of a candlestore root: `import { openStore } from 'candlestore'`. `build`, `show`
// and the HTTP API read through it, so every consumer sees the same committed snapshot rules:
//   - a series is read through its index: records up to the index's out_pos only, never an uncommitted tail;
//     no index means no committed records (a store being built for the first time is invisible);
//   - the header's generation must equal the index's: a pair from two incarnations of the file (a rebuild
//     between reading the index and opening the file) is reopened, never read;
//   - bar i is final when it lies before the index's final_pos (closed history, never rewritten again);
//     the rest is the provisional tail a later run may rewrite. The open bar (still forming at the run's
//     clock) carries FLAG_OPEN;
//   - it never takes the run lock: a reader beside a running `run` sees the last commit and does not slow it.
// Times are epoch milliseconds in the store's own time basis (UTC, or the shifted broker time the config
// asks for), exactly as stored.
import { readdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CorruptFileError, NotFoundError, type Stage } from '../errors.js';
import { Layout } from '../paths.js';
import { parseRule } from '../timeframes/rules.js';
import { RecordChunk } from './chunk.js';
import { FLAG_OPEN, HEADER_SIZE, RECORD_SIZE, recordPos } from './format.js';
import { StoreReader } from './reader.js';
import { SIDES, seriesKey, splitSeries, type Side } from '../dukascopy/series.js';
import { symbolFileName } from '../dukascopy/symbolCode.js';

/** The 1m aggregate store's timeframe name. */
export const BASE_TIMEFRAME = '1m';
/** Bars per chunk of `chunks()` when not asked otherwise: 4 MiB of records. */
export const DEFAULT_CHUNK_BARS = 65_536;
// A header/index pair from two generations means a rebuild replaced the file between the two reads; the
// next try sees a consistent pair unless rebuilds keep racing, which is then an error, not a loop.
const GENERATION_RETRIES = 5;

export interface OpenStoreOptions {
  /** Stage named in errors (default 'Build'). */
  stage?: Stage;
}

/** One bar as a plain object (convenient; the typed chunks are faster for bulk work). */
export interface Bar {
  /** Bar open time, epoch ms in the store's time basis. */
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** Source rows folded into this bar (1 for 1m rows). */
  rows: number;
  /** Still forming at the clock of the run that wrote it (FLAG_OPEN). */
  isOpen: boolean;
  /** Before the index's final_pos: closed history that no run rewrites. Otherwise provisional. */
  isFinal: boolean;
}

/** What a series' header and index say, at the snapshot a Series was opened on. */
export interface SeriesInfo {
  /** Dukascopy name, `EUR/USD`. */
  symbol: string;
  /** The side of the market the store holds (its header's symbol field says it: `EUR/USD:ASK`). */
  side: Side;
  /** File-name form, `EUR-USD` (file names, `--select`, Hive partitions). */
  fileSymbol: string;
  timeframe: string;
  /** Price decimals of the instrument (prices are exact at this many decimals). */
  decimals: number;
  /** Random id of this incarnation of the store file; changes on rebuild. */
  generation: number;
  /** Committed bars (out_pos). */
  count: number;
  /** Bars before final_pos (never rewritten); count - finalCount bars are provisional. */
  finalCount: number;
  /** Time of the first and last committed bar (undefined when empty). */
  firstTime: number | undefined;
  lastTime: number | undefined;
  /** Index positions of the snapshot, in bytes. */
  outPos: number;
  finalPos: number;
  /** The `.bin` file read. */
  file: string;
}

/** Bars [after, until) by time and/or [from, to) by position; every bound is optional. */
export interface RangeQuery {
  /** First time included (epoch ms, store time basis). */
  after?: number;
  /** First time excluded. */
  until?: number;
  /** First bar index included (applied together with `after`). */
  from?: number;
  /** First bar index excluded (applied together with `until`). */
  to?: number;
}

/**
 * A run of consecutive bars read in one buffer, with typed-array views over it (no copy). Accessors take the
 * bar's position inside the chunk; `records.f64` is the raw Float64Array (stride RECORD_WORDS = 8 words a
 * bar: open at word 1 … volume at word 5, see store/format.ts W_*).
 */
export class BarChunk {
  /** Bars in this chunk. */
  readonly count: number;
  private readonly u16: Uint16Array;
  private readonly u32: Uint32Array;

  constructor(
    /** The raw records (64 bytes each) and their views. */
    readonly records: RecordChunk,
    /** Index in the series of the chunk's first bar. */
    readonly firstIndex: number,
    /** Bars of the series before final_pos. */
    private readonly finalCount: number,
  ) {
    this.count = records.count;
    const b = records.buf;
    this.u16 = new Uint16Array(b.buffer, b.byteOffset, b.length / 2);
    this.u32 = new Uint32Array(b.buffer, b.byteOffset, b.length / 4);
  }

  // Offsets as literals (format.ts checks them): V8 folds literals into the index arithmetic, not imports.
  time(i: number): number { return this.records.ts(i); }
  open(i: number): number { return this.records.f64[i * 8 + 1]; }
  high(i: number): number { return this.records.f64[i * 8 + 2]; }
  low(i: number): number { return this.records.f64[i * 8 + 3]; }
  close(i: number): number { return this.records.f64[i * 8 + 4]; }
  volume(i: number): number { return this.records.f64[i * 8 + 5]; }
  /** count, bytes 60..63 of the record (u32 word 15). */
  rows(i: number): number { return this.u32[i * 16 + 15]; }
  /** flags, bytes 58..59 of the record (u16 word 29). */
  flags(i: number): number { return this.u16[i * 32 + 29]; }
  isOpen(i: number): boolean { return (this.flags(i) & FLAG_OPEN) !== 0; }
  isFinal(i: number): boolean { return this.firstIndex + i < this.finalCount; }
  /** Bars of this chunk that are final (they come first: final bars precede provisional ones). */
  get finalBars(): number { return Math.max(0, Math.min(this.count, this.finalCount - this.firstIndex)); }

  bar(i: number): Bar {
    return {
      time: this.time(i), open: this.open(i), high: this.high(i), low: this.low(i), close: this.close(i),
      volume: this.volume(i), rows: this.rows(i), isOpen: this.isOpen(i), isFinal: this.isFinal(i),
    };
  }

  bars(): Bar[] {
    const out: Bar[] = new Array(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.bar(i);
    return out;
  }
}

/**
 * One symbol × timeframe at the committed snapshot it was opened on. Later commits are not seen (open the
 * series again for them); reads never go past the snapshot's out_pos. Close it when done (it holds a file
 * descriptor).
 */
export class Series {
  private constructor(
    readonly info: SeriesInfo,
    private readonly reader: StoreReader | undefined,
  ) {}

  /** @internal Open through the index; see openStore's series(). */
  static async open(layout: Layout, fileSymbol: string, timeframe: string, stage: Stage, side: Side = 'BID'): Promise<Series | undefined> {
    // The series key's file form: `EUR-USD` (BID) or `EUR-USD.ASK` (paths.ts).
    const key = seriesKey(fileSymbol, side);
    const file = timeframe === BASE_TIMEFRAME ? layout.aggregateStore(key) : layout.resampleStore(timeframe, key);
    const indexFile = timeframe === BASE_TIMEFRAME ? layout.aggregateIndex(key) : layout.resampleIndex(timeframe, key);
    for (let attempt = 1; ; attempt++) {
      let opened: Awaited<ReturnType<typeof StoreReader.openIndexed>>;
      try {
        opened = await StoreReader.openIndexed(file, indexFile, { stage });
      } catch (err) {
        // An index without its file: a rebuild is deleting or replacing both; try again, then report.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          if (attempt < GENERATION_RETRIES) continue;
          return undefined;
        }
        throw err;
      }
      const { reader, index } = opened;
      if (index === undefined) {
        // No index = no committed records: the store does not exist for readers yet.
        await reader.close();
        return undefined;
      }
      if (reader.header.generation !== index.generation) {
        await reader.close();
        if (attempt < GENERATION_RETRIES) continue;
        throw new CorruptFileError(stage, file, `header generation ${reader.header.generation} differs from its index's ${index.generation} (${indexFile}) after ${attempt} tries`, 48, 'GENERATION_MISMATCH');
      }
      // The header names the series it holds: an ASK store is never read as BID, nor one side's file under
      // the other's name.
      const held = splitSeries(reader.header.symbol);
      if (held.side !== side || fileSymbolOf(held.symbol) !== fileSymbol) {
        await reader.close();
        throw new CorruptFileError(stage, file, `holds ${reader.header.symbol} (${held.side}), not the ${side} series of ${toSymbol(fileSymbol)} its name says`, 24, 'WRONG_SYMBOL');
      }
      const count = reader.recordCount;
      const finalCount = Math.min(count, Math.max(0, (index.finalPos - HEADER_SIZE) / RECORD_SIZE));
      const first = count > 0 ? await reader.tsAt(0) : undefined;
      const last = count > 0 ? await reader.tsAt(count - 1) : undefined;
      const info: SeriesInfo = {
        symbol: held.symbol,
        side,
        fileSymbol,
        timeframe: reader.header.timeframe,
        decimals: reader.header.decimals,
        generation: reader.header.generation,
        count,
        finalCount,
        firstTime: first,
        lastTime: last,
        outPos: reader.endPos,
        finalPos: recordPos(finalCount),
        file,
      };
      return new Series(info, reader);
    }
  }

  get count(): number { return this.info.count; }

  /** Index of the first bar with time ≥ `time` (count when none): binary search, O(log n) reads. */
  async lowerBound(time: number): Promise<number> {
    return this.live().findByTime(time);
  }

  /** The bar-index range [from, to) that a query selects. */
  async indexRange(q: RangeQuery = {}): Promise<{ from: number; to: number }> {
    let from = clampIndex(q.from ?? 0, this.count);
    let to = clampIndex(q.to ?? this.count, this.count);
    if (q.after !== undefined) from = Math.max(from, await this.lowerBound(q.after));
    if (q.until !== undefined) to = Math.min(to, await this.lowerBound(q.until));
    return { from, to: Math.max(from, to) };
  }

  /** Bars [from, to) by index as one chunk (clamped to the snapshot). */
  async readChunk(from: number, to: number): Promise<BarChunk> {
    const a = clampIndex(from, this.count);
    const b = Math.max(a, clampIndex(to, this.count));
    return new BarChunk(await this.live().readRange(a, b - a), a, this.info.finalCount);
  }

  /** The selected bars in order, in chunks of at most `chunkBars` bars (memory stays flat). */
  async *chunks(q: RangeQuery = {}, chunkBars: number = DEFAULT_CHUNK_BARS): AsyncGenerator<BarChunk> {
    if (!Number.isSafeInteger(chunkBars) || chunkBars < 1) throw new RangeError(`chunkBars must be a whole number ≥ 1, got ${chunkBars}`);
    const { from, to } = await this.indexRange(q);
    for (let i = from; i < to; i += chunkBars) yield this.readChunk(i, Math.min(to, i + chunkBars));
  }

  /**
   * The selected bars in order like `chunks`, read into one reused buffer: a chunk is valid only until the
   * generator resumes (for consumers that encode or copy each chunk: export, the API). No allocation per
   * chunk, and the bars are still in the CPU cache when the consumer reads them.
   */
  async *scan(q: RangeQuery = {}, chunkBars: number = DEFAULT_CHUNK_BARS): AsyncGenerator<BarChunk> {
    if (!Number.isSafeInteger(chunkBars) || chunkBars < 1) throw new RangeError(`chunkBars must be a whole number ≥ 1, got ${chunkBars}`);
    const { from, to } = await this.indexRange(q);
    const reader = this.live();
    for await (const records of reader.scanChunks({ fromPos: recordPos(from), toPos: recordPos(to), chunkBytes: chunkBars * RECORD_SIZE })) {
      yield new BarChunk(records, records.firstIndex, this.info.finalCount);
    }
  }

  /** The selected bars in order as plain objects. */
  async *bars(q: RangeQuery = {}, chunkBars?: number): AsyncGenerator<Bar> {
    for await (const chunk of this.chunks(q, chunkBars)) {
      for (let i = 0; i < chunk.count; i++) yield chunk.bar(i);
    }
  }

  /** The last `n` selected bars (all of them when fewer), oldest first. */
  async last(n: number, q: RangeQuery = {}): Promise<Bar[]> {
    const { from, to } = await this.indexRange(q);
    return (await this.readChunk(Math.max(from, to - n), to)).bars();
  }

  async close(): Promise<void> {
    await this.reader?.close();
  }

  private live(): StoreReader {
    if (!this.reader) throw new Error('series is closed');
    return this.reader;
  }
}

/** A candlestore root opened for reading. Cheap: nothing is held open except the series you open. */
export class CandleStore {
  readonly layout: Layout;

  constructor(readonly root: string, private readonly stage: Stage) {
    this.layout = new Layout(root);
  }

  /** Symbols with a committed 1m store (BID), Dukascopy names (`EUR/USD`), sorted. */
  async symbols(): Promise<string[]> {
    return (await indexedStems(dirname(this.layout.aggregateIndex('_')))).filter((s) => !isAskStem(s)).map(toSymbol).sort();
  }

  /** The sides of `symbol` with a committed 1m store: `['BID']` or `['BID', 'ASK']` (`sides` in config). */
  async sides(symbol: string): Promise<Side[]> {
    const stems = await indexedStems(dirname(this.layout.aggregateIndex('_')));
    const stem = fileSymbolOf(symbol);
    return SIDES.filter((side) => stems.includes(symbolFileName(seriesKey(stem, side))));
  }

  /**
   * Timeframes with a committed store, shortest first (`1m` first; calendar ones after intraday; names that
   * are no rule last, by name). With `symbol`, only that symbol's; without, any symbol's.
   */
  async timeframes(symbol?: string): Promise<string[]> {
    const stem = symbol === undefined ? undefined : fileSymbolOf(symbol);
    const found: string[] = [];
    const base = await indexedStems(dirname(this.layout.aggregateIndex('_')));
    if (stem === undefined ? base.length > 0 : base.includes(stem)) found.push(BASE_TIMEFRAME);
    let dirs: string[] = [];
    try {
      dirs = await readdir(this.layout.resampleDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const tf of dirs) {
      if (tf.startsWith('.')) continue;
      const stems = await indexedStems(dirname(this.layout.resampleIndex(tf, '_')));
      if (stem === undefined ? stems.length > 0 : stems.includes(stem)) found.push(tf);
    }
    return sortTimeframes(found);
  }

  /**
   * Open one series at its current committed snapshot. `symbol` is `EUR/USD` or `EUR-USD`. An unknown symbol
   * or timeframe (or one without a committed index yet) is a NotFoundError listing what exists.
   */
  async series(symbol: string, timeframe: string, side: Side = 'BID'): Promise<Series> {
    const stem = fileSymbolOf(symbol);
    const series = await Series.open(this.layout, stem, timeframe, this.stage, side);
    if (series) return series;
    const bid = side === 'BID' ? undefined : await Series.open(this.layout, stem, timeframe, this.stage);
    if (bid) {
      await bid.close();
      throw new NotFoundError(this.stage, 'UNKNOWN_SYMBOL', `${symbol} ${side}`, `no ${side} store for ${symbol} ${timeframe} in ${this.root} (only BID: add ${side} to \`sides\` in config.yaml and run)`, (await this.sides(symbol)).map((s) => s.toLowerCase()));
    }
    const symbols = await this.symbols();
    if (!symbols.includes(toSymbol(stem))) {
      throw new NotFoundError(this.stage, 'UNKNOWN_SYMBOL', symbol, `no store for symbol ${symbol} in ${this.root}`, symbols.map(fileSymbolOf));
    }
    throw new NotFoundError(this.stage, 'UNKNOWN_TIMEFRAME', timeframe, `no ${timeframe} store for ${symbol} in ${this.root}`, await this.timeframes(symbol));
  }

  /** The info of one series (opened and closed again). */
  async info(symbol: string, timeframe: string): Promise<SeriesInfo> {
    const s = await this.series(symbol, timeframe);
    await s.close();
    return s.info;
  }
}

/**
 * Open a candlestore root for reading. Throws when `root` is not a directory; a root without data is valid
 * (no symbols). Never takes the run lock.
 *
 * ```ts
 * const store = await openStore('demo-data');
 * const s = await store.series('EUR/USD', '1h');
 * for await (const bar of s.bars({ after: Date.UTC(2026, 0, 5) })) console.log(bar.time, bar.close, bar.isOpen);
 * await s.close();
 * ```
 */
export async function openStore(root: string, opts: OpenStoreOptions = {}): Promise<CandleStore> {
  const dir = resolve(root);
  const st = await stat(dir).catch((err: NodeJS.ErrnoException) => {
    throw new NotFoundError(opts.stage ?? 'Build', 'UNKNOWN_SYMBOL', root, `no candlestore root at ${dir} (${err.code ?? err.message})`, []);
  });
  if (!st.isDirectory()) throw new NotFoundError(opts.stage ?? 'Build', 'UNKNOWN_SYMBOL', root, `${dir} is not a directory`, []);
  return new CandleStore(dir, opts.stage ?? 'Build');
}

/** `EUR/USD` or `EUR-USD` → `EUR-USD`. */
export function fileSymbolOf(symbol: string): string {
  return symbol.replace('/', '-');
}

/** `EUR-USD.ASK`: the file stem of an ASK series (no symbol ends in `.ASK`, config/symbols.ts). */
function isAskStem(stem: string): boolean {
  return stem.endsWith('.ASK');
}

/** `EUR-USD` → `EUR/USD` (symbol parts never contain `-`, so the first one is the separator). */
export function toSymbol(fileSymbol: string): string {
  return fileSymbol.replace('-', '/');
}

/** Shortest first: intraday by minutes, then d < W < M < Y, then names that are no rule, by name. */
export function sortTimeframes(names: readonly string[]): string[] {
  const calendar: Record<string, number> = { d: 1440, W: 7 * 1440, M: 31 * 1440, Y: 366 * 1440 };
  const key = (name: string): number => {
    const rule = parseRule(name);
    if (!rule) return Number.POSITIVE_INFINITY;
    return rule.kind === 'intraday' ? rule.minutes : calendar[rule.unit];
  };
  return [...names].sort((a, b) => key(a) - key(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** File stems (`EUR-USD`) of the committed indexes in an index folder. */
async function indexedStems(indexDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(indexDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw err;
  }
  return names.filter((n) => n.endsWith('.idx') && !n.startsWith('.')).map((n) => n.slice(0, -4));
}

function clampIndex(i: number, count: number): number {
  if (!Number.isFinite(i)) return i < 0 ? 0 : count;
  return Math.max(0, Math.min(count, Math.trunc(i)));
}
