// Where the API's candles come from: a small interface (CandleSource → SeriesHandle) that the query layer
// is written against, and its implementation over the stores under a root. Only committed records are
// visible (up to the index's out_pos); a store that is rebuilt or grows between two requests is seen
// afresh by the next one. No run lock is taken: `run` may append while we read.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ApiError, CorruptFileError } from '../errors.js';
import { FLAG_OPEN, RECORD_SIZE, RECORD_WORDS, R_FLAGS, W_CLOSE, W_HIGH, W_LOW, W_OPEN, W_VOLUME } from '../store/format.js';
import { StoreReader } from '../store/reader.js';
import type { Layout } from '../paths.js';
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
  timeframes: TimeframeInfo[];
}

export interface CandleSource {
  /** Symbols that have a 1m store, with every timeframe found for them. */
  listSymbols(): Promise<SymbolInfo[]>;
  /** Open one series; ApiError 400 for an unknown symbol or timeframe, 500 for a damaged store. */
  open(id: string, timeframe: string): Promise<SeriesHandle>;
}

const BASE_TF = '1m';

/** The stores under one root, read through StoreReader with their index's out_pos as the limit. */
export class StoreCandleSource implements CandleSource {
  constructor(private readonly layout: Layout) {}

  private paths(id: string, tf: string): { store: string; index: string } {
    const dir = tf === BASE_TF ? this.layout.aggregateDir : join(this.layout.resampleDir, tf);
    return { store: join(dir, `${id}.bin`), index: join(dir, 'index', `${id}.idx`) };
  }

  private exists(file: string): boolean {
    try {
      return statSync(file).isFile();
    } catch {
      return false;
    }
  }

  /** Timeframes that have a store for `id`, the base first, then by name. */
  private timeframesOf(id: string): string[] {
    const out = this.exists(this.paths(id, BASE_TF).store) ? [BASE_TF] : [];
    let dirs: string[] = [];
    try {
      dirs = readdirSync(this.layout.resampleDir);
    } catch {
      return out;
    }
    for (const tf of dirs.sort(compareTimeframes)) if (this.exists(this.paths(id, tf).store)) out.push(tf);
    return out;
  }

  async listSymbols(): Promise<SymbolInfo[]> {
    let names: string[] = [];
    try {
      names = readdirSync(this.layout.aggregateDir).filter((f) => f.endsWith('.bin')).map((f) => f.slice(0, -4)).sort();
    } catch {
      return [];
    }
    const out: SymbolInfo[] = [];
    for (const id of names) {
      const timeframes: TimeframeInfo[] = [];
      let symbol = id;
      let decimals = 0;
      for (const tf of this.timeframesOf(id)) {
        const h = await this.open(id, tf);
        try {
          symbol = h.symbol;
          decimals = h.decimals;
          const first = h.count > 0 ? (await h.read(0, 1)).ts[0] : null;
          const last = h.count > 0 ? (await h.read(h.count - 1, h.count)).ts[0] : null;
          timeframes.push({ timeframe: tf, rows: h.count, first, last });
        } finally {
          await h.close();
        }
      }
      out.push({ symbol, id, decimals, timeframes });
    }
    return out;
  }

  async open(id: string, timeframe: string): Promise<SeriesHandle> {
    const { store, index } = this.paths(id, timeframe);
    const name = relative(this.layout.root, store);
    // A rebuild may delete the store between the existence check and the open: look again, then it is gone.
    for (let attempt = 1; ; attempt++) {
      if (!this.exists(store)) {
        if (!this.exists(this.paths(id, BASE_TF).store)) throw new ApiError(400, 'UNKNOWN_SYMBOL', `unknown symbol ${id} (GET /v1/symbols lists them)`);
        throw new ApiError(400, 'UNKNOWN_TIMEFRAME', `unknown timeframe ${timeframe} for ${id} (has ${this.timeframesOf(id).join(', ')})`);
      }
      try {
        const { reader, index: ix } = await StoreReader.openIndexed(store, index, { stage: 'Serve', expect: { timeframe } });
        // No index yet: nothing is committed, so nothing is visible.
        return new ReaderHandle(reader, id, timeframe, ix === undefined ? 0 : reader.recordCount, name);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' && attempt < 3) continue;
        throw damaged(name, err);
      }
    }
  }
}

function damaged(name: string, err: unknown): unknown {
  if (err instanceof CorruptFileError || (err as NodeJS.ErrnoException)?.code === 'ENOENT' || err instanceof RangeError) {
    // The message names the store relative to the root; the absolute path stays in the server's log.
    const why = err instanceof CorruptFileError ? err.message.replace(/ \([^()]*\)$/, '') : ((err as NodeJS.ErrnoException).code ?? (err as Error).message);
    return new ApiError(500, 'STORE_DAMAGED', `store ${name} cannot be read: ${why}`, { cause: err });
  }
  return err;
}

class ReaderHandle implements SeriesHandle {
  readonly symbol: string;
  readonly decimals: number;
  constructor(private readonly reader: StoreReader, readonly id: string, readonly timeframe: string, readonly count: number, private readonly name: string) {
    this.symbol = reader.header.symbol;
    this.decimals = reader.header.decimals;
  }

  async lowerBound(ts: number): Promise<number> {
    try {
      return Math.min(await this.reader.findByTime(ts), this.count);
    } catch (err) {
      throw damaged(this.name, err);
    }
  }

  async read(from: number, to: number): Promise<SeriesColumns> {
    const n = Math.max(0, Math.min(to, this.count) - from);
    let chunk;
    try {
      chunk = await this.reader.readRange(from, n);
    } catch (err) {
      throw damaged(this.name, err);
    }
    const ts = new Float64Array(n);
    const open = new Float64Array(n);
    const high = new Float64Array(n);
    const low = new Float64Array(n);
    const close = new Float64Array(n);
    const volume = new Float64Array(n);
    const flags = new Uint16Array(n);
    const f = chunk.f64;
    for (let i = 0; i < n; i++) {
      const w = i * RECORD_WORDS;
      ts[i] = chunk.ts(i);
      open[i] = f[w + W_OPEN];
      high[i] = f[w + W_HIGH];
      low[i] = f[w + W_LOW];
      close[i] = f[w + W_CLOSE];
      volume[i] = f[w + W_VOLUME];
      flags[i] = chunk.buf.readUInt16LE(i * RECORD_SIZE + R_FLAGS) & FLAG_OPEN;
    }
    return { length: n, ts, open, high, low, close, volume, flags };
  }

  async close(): Promise<void> {
    await this.reader.close();
  }
}

/** Timeframes by length: minutes, hours, then d, W, M, Y; names the rule syntax does not know last. */
export function compareTimeframes(a: string, b: string): number {
  return tfOrder(a) - tfOrder(b) || a.localeCompare(b);
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, W: 7 * 86_400_000, M: 28 * 86_400_000, Y: 365 * 86_400_000 };

/** Shortest bar of a timeframe name in ms (1M is 28 days), or undefined for a name that is not a rule. */
export function timeframeMs(tf: string): number | undefined {
  const m = /^([1-9][0-9]*)([mhdWMY])$/.exec(tf);
  return m ? Number(m[1]) * UNIT_MS[m[2]] : undefined;
}

function tfOrder(tf: string): number {
  return timeframeMs(tf) ?? Number.MAX_SAFE_INTEGER;
}
