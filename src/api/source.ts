// Where the API's candles come from: a small interface (CandleSource → SeriesHandle) that the query layer
// is written against, and its implementation over the public reader openStore (store/open.ts). Only
// committed records are visible; a store that grows or is rebuilt between two requests is seen afresh by
// the next one. No run lock is taken: `run` may append while we read.
import { relative } from 'node:path';
import { ApiError, CorruptFileError, NotFoundError } from '../errors.js';
import { FLAG_OPEN, RECORD_WORDS, W_CLOSE, W_HIGH, W_LOW, W_OPEN, W_VOLUME } from '../store/format.js';
import { readIndexFileSync } from '../store/indexFile.js';
import type { StoreIndex } from '../store/indexFormat.js';
import { CandleStore, fileSymbolOf, type BarChunk, type Series } from '../store/open.js';
import type { Layout } from '../paths.js';
import { seriesKey, type Side } from '../dukascopy/series.js';
import type { Bars } from '../indicators/types.js';

/** Columns of a run of bars; `flags` bit 0 marks the bar still forming. */
export interface SeriesColumns extends Bars {
  readonly flags: Uint16Array;
}

export interface SeriesHandle {
  /** Symbol as the store names it (`EUR/USD`). */
  readonly symbol: string;
  /** Symbol as URLs and file names write it (`EUR-USD`). */
  readonly id: string;
  readonly timeframe: string;
  readonly decimals: number;
  /** Committed bars. */
  readonly count: number;
  readonly firstTime: number | undefined;
  readonly lastTime: number | undefined;
  /** Index of the first bar with ts ≥ `ts` (count when none). */
  lowerBound(ts: number): Promise<number>;
  /** Bars [from, to). */
  read(from: number, to: number): Promise<SeriesColumns>;
  close(): Promise<void>;
}

export interface TimeframeInfo {
  timeframe: string;
  rows: number;
  first: number | null;
  last: number | null;
}

export interface SymbolInfo {
  symbol: string;
  id: string;
  decimals: number;
  /** Sides with a 1m store: `['BID']`, or `['BID', 'ASK']` with `sides: [BID, ASK]` (side=ask|mid and spread need ASK). */
  sides: Side[];
  timeframes: TimeframeInfo[];
}

export interface CandleSource {
  /** Symbols that have a 1m store, with every timeframe found for them. */
  listSymbols(): Promise<SymbolInfo[]>;
  /** Open one series (of `side`, default BID); ApiError 400 for an unknown symbol, timeframe or side, 500 for a damaged store. */
  open(id: string, timeframe: string, side?: Side): Promise<SeriesHandle>;
  /** Release whatever the source holds open (server shutdown). */
  close?(): Promise<void>;
}

const BASE_TF = '1m';

/**
 * The stores under one root, read through the public reader (store/open.ts: committed records only, the
 * header/index generation check). Each series is opened once and kept; every request re-reads its 64-byte
 * index (one small read) and reopens the series when the commit it points at changed (new bars, a rebuild).
 * A replaced series is closed when the last request using it is done.
 */
export class StoreCandleSource implements CandleSource {
  private readonly cache = new Map<string, CachedSeries>();
  private readonly store: CandleStore;

  constructor(private readonly layout: Layout) {
    this.store = new CandleStore(layout.root, 'Serve');
  }

  private indexFile(id: string, tf: string, side: Side): string {
    const key = seriesKey(id, side);
    return tf === BASE_TF ? this.layout.aggregateIndex(key) : this.layout.resampleIndex(tf, key);
  }

  async listSymbols(): Promise<SymbolInfo[]> {
    const out: SymbolInfo[] = [];
    for (const symbol of await this.store.symbols()) {
      const id = fileSymbolOf(symbol);
      const timeframes: TimeframeInfo[] = [];
      let decimals = 0;
      for (const tf of await this.store.timeframes(symbol)) {
        let h: SeriesHandle;
        try {
          h = await this.open(id, tf);
        } catch (err) {
          // Removed since it was listed (a rebuild): leave it out of this answer.
          if (err instanceof ApiError && err.status === 400) continue;
          throw err;
        }
        try {
          decimals = h.decimals;
          timeframes.push({ timeframe: tf, rows: h.count, first: h.firstTime ?? null, last: h.lastTime ?? null });
        } finally {
          await h.close();
        }
      }
      out.push({ symbol, id, decimals, sides: await this.store.sides(symbol), timeframes });
    }
    return out;
  }

  async open(id: string, timeframe: string, side: Side = 'BID'): Promise<SeriesHandle> {
    const key = `${id}/${timeframe}/${side}`;
    const series = seriesKey(id, side);
    const name = relative(this.layout.root, timeframe === BASE_TF ? this.layout.aggregateStore(series) : this.layout.resampleStore(timeframe, series));
    let index: StoreIndex | undefined;
    try {
      // Synchronous: one 64-byte read; a thread-pool round trip would cost more than the read itself.
      index = readIndexFileSync(this.indexFile(id, timeframe, side), 'Serve');
    } catch (err) {
      throw damaged(name, err);
    }
    const cached = this.cache.get(key);
    if (cached && index && cached.matches(index)) return cached.acquire();
    const opened = await this.openSeries(id, timeframe, name, index, side);
    const fresh = new CachedSeries(opened, id, name);
    cached?.retire();
    this.cache.set(key, fresh);
    return fresh.acquire();
  }

  /**
   * Open a series; a file that looks damaged while its index changes under us is a rebuild replacing it
   * (the old index was read, then the new file opened before its header was written): read again.
   */
  private async openSeries(id: string, timeframe: string, name: string, index: StoreIndex | undefined, side: Side): Promise<Series> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.series(id, timeframe, side);
      } catch (err) {
        if (err instanceof NotFoundError) {
          if (side !== 'BID' && err.available.includes('bid')) throw new ApiError(400, 'UNKNOWN_SYMBOL', `${id} has no ${side} store (its root keeps BID only: add ${side} to \`sides\` in config.yaml and run); side=bid reads it`);
          if (err.code === 'UNKNOWN_SYMBOL') throw new ApiError(400, 'UNKNOWN_SYMBOL', `unknown symbol ${id} (GET /v1/symbols lists them)`);
          if (err.available.includes(timeframe)) {
            throw new ApiError(400, 'UNKNOWN_TIMEFRAME', `unknown timeframe ${timeframe} for ${id} at the moment: it has no committed data (a rebuild is replacing it)`);
          }
          throw new ApiError(400, 'UNKNOWN_TIMEFRAME', `unknown timeframe ${timeframe} for ${id} (has ${err.available.join(', ') || 'none'})`);
        }
        if (!(err instanceof CorruptFileError) || attempt >= 5) throw damaged(name, err);
        let now: StoreIndex | undefined;
        try {
          now = readIndexFileSync(this.indexFile(id, timeframe, side), 'Serve');
        } catch {
          now = undefined;
        }
        const same = now !== undefined && index !== undefined && now.generation === index.generation && now.outPos === index.outPos;
        if (same) throw damaged(name, err);
        index = now;
        await new Promise((r) => setTimeout(r, 5 * attempt));
      }
    }
  }

  /** Close every cached series (server shutdown). */
  async close(): Promise<void> {
    for (const c of this.cache.values()) c.retire();
    this.cache.clear();
  }
}

function damaged(name: string, err: unknown): unknown {
  if (err instanceof ApiError) return err;
  if (err instanceof CorruptFileError || (err as NodeJS.ErrnoException)?.code !== undefined || err instanceof RangeError) {
    // The message names the store relative to the root; the absolute path stays in the server's log.
    const why = err instanceof CorruptFileError ? err.message.replace(/ \([^()]*\)$/, '') : ((err as NodeJS.ErrnoException).code ?? (err as Error).message);
    return new ApiError(500, 'STORE_UNREADABLE', `store ${name} cannot be read: ${why}`, { cause: err });
  }
  return err;
}

/** One open Series shared by requests; closed once retired and no request holds it. */
class CachedSeries {
  private refs = 0;
  private retired = false;
  private closed = false;
  constructor(private readonly series: Series, private readonly id: string, private readonly name: string) {}

  /** The index still points at the commit this series was opened on. */
  matches(ix: StoreIndex): boolean {
    const i = this.series.info;
    return ix.generation === i.generation && ix.outPos === i.outPos && ix.finalPos === i.finalPos;
  }

  acquire(): SeriesHandle {
    this.refs++;
    const { series, name } = this;
    const info = series.info;
    let released = false;
    return {
      symbol: info.symbol,
      id: this.id,
      timeframe: info.timeframe,
      decimals: info.decimals,
      count: info.count,
      firstTime: info.firstTime,
      lastTime: info.lastTime,
      lowerBound: async (ts) => {
        try {
          return await series.lowerBound(ts);
        } catch (err) {
          throw damaged(name, err);
        }
      },
      read: async (from, to) => {
        try {
          return await readColumns(series, from, to);
        } catch (err) {
          throw damaged(name, err);
        }
      },
      close: async () => {
        if (released) return;
        released = true;
        this.refs--;
        this.maybeClose();
      },
    };
  }

  retire(): void {
    this.retired = true;
    this.maybeClose();
  }

  private maybeClose(): void {
    // Exactly once: two requests may both retire the entry they replaced, and closing a descriptor twice
    // would close whatever socket or file reused its number.
    if (this.retired && this.refs === 0 && !this.closed) {
      this.closed = true;
      void this.series.close();
    }
  }
}

/** Bars per read: long ranges (whole-history warm-ups) go through 4 MiB buffers into the columns. */
const READ_BARS = 65_536;

async function readColumns(series: Series, from: number, to: number): Promise<SeriesColumns> {
  const a = Math.max(0, Math.min(from, series.count));
  const n = Math.max(0, Math.min(to, series.count) - a);
  const cols = {
    length: n, ts: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n),
    close: new Float64Array(n), volume: new Float64Array(n), flags: new Uint16Array(n),
  };
  let done = 0;
  // scan: one reused buffer, each chunk copied into the columns before the next is read.
  for await (const chunk of series.scan({ from: a, to: a + n }, READ_BARS)) {
    copyInto(cols, done, chunk);
    done += chunk.count;
  }
  return cols;
}

function copyInto(c: SeriesColumns, at: number, chunk: BarChunk): void {
  const f = chunk.records.f64;
  for (let i = 0; i < chunk.count; i++) {
    const w = i * RECORD_WORDS;
    const k = at + i;
    c.ts[k] = chunk.time(i);
    c.open[k] = f[w + W_OPEN];
    c.high[k] = f[w + W_HIGH];
    c.low[k] = f[w + W_LOW];
    c.close[k] = f[w + W_CLOSE];
    c.volume[k] = f[w + W_VOLUME];
    c.flags[k] = chunk.flags(i) & FLAG_OPEN;
  }
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, W: 7 * 86_400_000, M: 28 * 86_400_000, Y: 365 * 86_400_000 };

/** Shortest bar of a timeframe name in ms (1M is 28 days), or undefined for a name that is not a rule. */
export function timeframeMs(tf: string): number | undefined {
  const m = /^([1-9][0-9]*)([mhdWMY])$/.exec(tf);
  return m ? Number(m[1]) * UNIT_MS[m[2]] : undefined;
}

