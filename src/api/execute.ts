// Running a CandleQuery: for each select, find its rows by binary search (after inclusive, until
// exclusive), read them together with the warm-up bars its indicators need before the first returned row
// (the whole history for cumulative ones), compute the indicators over that, and merge the selects by time,
// then symbol, then timeframe, applying order, offset and limit. Warm-up bars are read, never returned and
// never counted in `limit`.
import { ApiError } from '../errors.js';
import { outputColumn, type IndicatorSpec } from '../indicators/spec.js';
import type { CandleQuery, Selection } from './query.js';
import { timeframeMs, type CandleSource, type SeriesColumns } from './source.js';
import { pairedWindow } from './pairs.js';

/** One select's rows: `cols` holds bars [readFrom, …); rows [first, end) of cols are candidates. */
export interface SelectionResult {
  selection: Selection;
  symbol: string;
  id: string;
  timeframe: string;
  decimals: number;
  cols: SeriesColumns;
  /** `spread=true`: ask close − bid close of each bar of `cols` (api/pairs.ts), exact at `spreadDecimals`. */
  spread?: Float64Array;
  spreadDecimals?: number;
  /** Indicator output columns over `cols`, by column name (`macd_12_26_9__hist`), per indicator. */
  indicators: { spec: IndicatorSpec; outputs: { name: string; column: string; values: Float64Array }[] }[];
}

export interface QueryResult {
  selections: SelectionResult[];
  /** Output rows in order: row k is bar rowOf[k] of cols of selection selOf[k]. */
  selOf: Uint16Array;
  rowOf: Int32Array;
  count: number;
}

/** Bars above which a request waits for its turn (about 50 MB of columns and indicator outputs). */
const HEAVY_BARS = 500_000;

/** A FIFO of one: at most one heavy read-and-compute at a time. */
class Gate {
  private tail: Promise<void> = Promise.resolve();
  async acquire(): Promise<() => void> {
    let open!: () => void;
    const mine = new Promise<void>((r) => (open = r));
    const before = this.tail;
    this.tail = before.then(() => mine);
    await before;
    return open;
  }
}
const heavyGate = new Gate();

export async function executeQuery(q: CandleQuery, source: CandleSource): Promise<QueryResult> {
  const single = q.selections.length === 1;
  const results: SelectionResult[] = [];
  const ranges: { first: number; end: number }[] = [];
  for (const sel of q.selections) {
    if (q.side === 'mid' || q.spread) {
      const r = await pairedSelection(q, sel, source, single);
      results.push(r.result);
      ranges.push(r.range);
      continue;
    }
    const h = await source.open(sel.symbol, sel.timeframe, q.side === 'ask' ? 'ASK' : 'BID');
    try {
      let lo = q.after === undefined ? 0 : await h.lowerBound(q.after);
      let hi = q.until === undefined ? h.count : await h.lowerBound(q.until);
      if (sel.skipLast && hi === h.count && hi > 0 && ((await h.read(hi - 1, hi)).flags[0] & 1) !== 0) hi--;
      lo = Math.min(lo, hi);
      // Candidate rows: with one select the window is exact; with several, enough from each to merge.
      const want = single ? q.limit : q.offset + q.limit;
      const skip = single ? q.offset : 0;
      let a: number, b: number;
      if (q.order === 'asc') {
        a = Math.min(hi, lo + skip);
        b = Math.min(hi, a + want);
      } else {
        b = Math.max(lo, hi - skip);
        a = Math.max(lo, b - want);
      }
      const barMs = timeframeMs(sel.timeframe) ?? 60_000;
      let warm = 0;
      for (const spec of sel.indicators) warm = Math.max(warm, spec.def.warmup(spec.params, { barMs }));
      const readFrom = a - b === 0 ? a : Math.max(0, a - warm);
      // A long warm-up (cumulative and path-dependent indicators read the whole history) holds ~100 bytes a
      // bar while it computes: one such request at a time, so concurrent ones cannot multiply that.
      const heavy = b - readFrom > HEAVY_BARS;
      const release = heavy ? await heavyGate.acquire() : undefined;
      let cols: SeriesColumns;
      let indicators: SelectionResult['indicators'];
      try {
        cols = await h.read(readFrom, b);
        indicators = sel.indicators.map((spec) => {
          const values = spec.def.compute(cols, spec.params);
          return { spec, outputs: spec.def.outputs.map((name, i) => ({ name, column: outputColumn(spec, name), values: values[i] })) };
        });
      } finally {
        release?.();
      }
      results.push({ selection: sel, symbol: h.symbol, id: h.id, timeframe: h.timeframe, decimals: h.decimals, cols, indicators });
      ranges.push({ first: a - readFrom, end: b - readFrom });
    } finally {
      await h.close();
    }
  }
  return single ? singleOrder(results, ranges[0], q) : mergeOrder(results, ranges, q);
}

/** One select read from both sides (mid prices and/or the spread column): api/pairs.ts. */
async function pairedSelection(q: CandleQuery, sel: Selection, source: CandleSource, single: boolean): Promise<{ result: SelectionResult; range: { first: number; end: number } }> {
  const bid = await source.open(sel.symbol, sel.timeframe, 'BID');
  try {
    const ask = await source.open(sel.symbol, sel.timeframe, 'ASK');
    try {
      const barMs = timeframeMs(sel.timeframe) ?? 60_000;
      let warm = 0;
      for (const spec of sel.indicators) warm = Math.max(warm, spec.def.warmup(spec.params, { barMs }));
      const w = await pairedWindow(bid, ask, {
        after: q.after, until: q.until, order: q.order, side: q.side, skipLast: sel.skipLast,
        want: single ? q.limit : q.offset + q.limit, skip: single ? q.offset : 0, warm,
      });
      const heavy = w.cols.length > HEAVY_BARS;
      const release = heavy ? await heavyGate.acquire() : undefined;
      let indicators: SelectionResult['indicators'];
      try {
        indicators = sel.indicators.map((spec) => {
          const values = spec.def.compute(w.cols, spec.params);
          return { spec, outputs: spec.def.outputs.map((name, i) => ({ name, column: outputColumn(spec, name), values: values[i] })) };
        });
      } finally {
        release?.();
      }
      return {
        result: { selection: sel, symbol: bid.symbol, id: bid.id, timeframe: bid.timeframe, decimals: w.decimals, cols: w.cols, spread: q.spread ? w.cols.spread : undefined, spreadDecimals: bid.decimals, indicators },
        range: { first: w.first, end: w.end },
      };
    } finally {
      await ask.close();
    }
  } finally {
    await bid.close();
  }
}

function singleOrder(results: SelectionResult[], r: { first: number; end: number }, q: CandleQuery): QueryResult {
  const count = r.end - r.first;
  const rowOf = new Int32Array(count);
  for (let k = 0; k < count; k++) rowOf[k] = q.order === 'asc' ? r.first + k : r.end - 1 - k;
  return { selections: results, selOf: new Uint16Array(count), rowOf, count };
}

/** k-way merge by (ts, symbol, timeframe), ascending or descending, then offset and limit. */
function mergeOrder(results: SelectionResult[], ranges: { first: number; end: number }[], q: CandleQuery): QueryResult {
  const asc = q.order === 'asc';
  const pos = ranges.map((r) => (asc ? r.first : r.end - 1));
  const alive = (s: number) => (asc ? pos[s] < ranges[s].end : pos[s] >= ranges[s].first);
  // Tie order between selects: symbol, then timeframe by name; reversed for desc so desc is asc reversed.
  const tieRank = results.map((_, s) => s).sort((x, y) => results[x].symbol.localeCompare(results[y].symbol) || compareNames(results[x].timeframe, results[y].timeframe));
  const rank = new Int32Array(results.length);
  tieRank.forEach((s, i) => (rank[s] = i));
  const total = Math.min(q.limit, Math.max(0, ranges.reduce((n, r) => n + (r.end - r.first), 0) - q.offset));
  const selOf = new Uint16Array(total);
  const rowOf = new Int32Array(total);
  let skipped = 0;
  let k = 0;
  while (k < total) {
    let best = -1;
    for (let s = 0; s < results.length; s++) {
      if (!alive(s)) continue;
      if (best < 0) {
        best = s;
        continue;
      }
      const ts = results[s].cols.ts[pos[s]];
      const bts = results[best].cols.ts[pos[best]];
      const before = asc ? ts < bts || (ts === bts && rank[s] < rank[best]) : ts > bts || (ts === bts && rank[s] > rank[best]);
      if (before) best = s;
    }
    if (best < 0) break;
    if (skipped < q.offset) skipped++;
    else {
      selOf[k] = best;
      rowOf[k] = pos[best];
      k++;
    }
    pos[best] += asc ? 1 : -1;
  }
  if (k !== total) throw new ApiError(500, 'INTERNAL', `merge produced ${k} of ${total} rows`);
  return { selections: results, selOf, rowOf, count: total };
}

function compareNames(a: string, b: string): number {
  return (timeframeMs(a) ?? Infinity) - (timeframeMs(b) ?? Infinity) || a.localeCompare(b);
}
