// `side=mid` and `spread` for the API (issue 14): one select's rows paired from its BID and ASK series by bar
// time, with the pairing rules of store/sides.ts (a time on one side only is left out, never paired with a
// neighbour; mid is exact at one decimal more than the store; spread = ask close − bid close). Only the rows
// the answer needs are read: the pairing grows from the end the order starts at (asc: `after`, desc:
// `until`) until offset + limit rows are paired or the range ends, then the indicators' warm-up is paired
// the same way before the first row, so warm-up counts paired bars exactly as the single-side path counts
// bars. `limit` and `offset` count paired rows.
import { ApiError } from '../errors.js';
import { MID_EXTRA_DECIMALS, type ReadSide } from '../store/sides.js';
import type { SeriesColumns, SeriesHandle } from './source.js';

export interface PairedColumns extends SeriesColumns {
  readonly spread: Float64Array;
}

/** Bars of both handles with ts in [fromTs, toTs) paired by time, as `side` prices. */
async function pairBetween(bid: SeriesHandle, ask: SeriesHandle, fromTs: number, toTs: number, side: ReadSide, decimals: number): Promise<PairedColumns> {
  const b = await bid.read(await bid.lowerBound(fromTs), await bid.lowerBound(toTs));
  const a = await ask.read(await ask.lowerBound(fromTs), await ask.lowerBound(toTs));
  const n = Math.min(b.length, a.length);
  const out = {
    length: 0, ts: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n),
    close: new Float64Array(n), volume: new Float64Array(n), flags: new Uint16Array(n), spread: new Float64Array(n),
  };
  const scale = 10 ** decimals;
  const midScale = 10 ** (decimals + MID_EXTRA_DECIMALS);
  const units = (v: number) => Math.round(v * scale);
  let i = 0, j = 0, k = 0;
  while (i < b.length && j < a.length) {
    if (b.ts[i] < a.ts[j]) { i++; continue; }
    if (a.ts[j] < b.ts[i]) { j++; continue; }
    out.ts[k] = b.ts[i];
    if (side === 'mid') {
      out.open[k] = (units(b.open[i]) + units(a.open[j])) * 5 / midScale;
      out.high[k] = (units(b.high[i]) + units(a.high[j])) * 5 / midScale;
      out.low[k] = (units(b.low[i]) + units(a.low[j])) * 5 / midScale;
      out.close[k] = (units(b.close[i]) + units(a.close[j])) * 5 / midScale;
      out.volume[k] = Number(((b.volume[i] + a.volume[j]) / 2).toPrecision(15));
    } else {
      const s = side === 'ask' ? a : b;
      const x = side === 'ask' ? j : i;
      out.open[k] = s.open[x];
      out.high[k] = s.high[x];
      out.low[k] = s.low[x];
      out.close[k] = s.close[x];
      out.volume[k] = s.volume[x];
    }
    out.flags[k] = b.flags[i] | a.flags[j];
    out.spread[k] = (units(a.close[j]) - units(b.close[i])) / scale;
    k++; i++; j++;
  }
  out.length = k;
  return out;
}

function concat(x: PairedColumns, y: PairedColumns): PairedColumns {
  const n = x.length + y.length;
  const cat = <T extends Float64Array | Uint16Array>(p: T, q: T, make: (n: number) => T): T => {
    const r = make(n);
    r.set(p.subarray(0, x.length));
    r.set(q.subarray(0, y.length), x.length);
    return r;
  };
  const f = (k: number) => new Float64Array(k);
  return {
    length: n, ts: cat(x.ts, y.ts, f), open: cat(x.open, y.open, f), high: cat(x.high, y.high, f), low: cat(x.low, y.low, f),
    close: cat(x.close, y.close, f), volume: cat(x.volume, y.volume, f), flags: cat(x.flags, y.flags, (k) => new Uint16Array(k)), spread: cat(x.spread, y.spread, f),
  };
}

/** The time just after bar `i` of `h` (or the range end), so `[from, timeAfter)` holds bars up to i. */
async function timeAt(h: SeriesHandle, i: number, fallback: number): Promise<number> {
  if (i >= h.count) return fallback;
  return (await h.read(i, i + 1)).ts[0];
}

export interface PairedWindow {
  cols: PairedColumns;
  /** Rows [first, end) of cols are the candidates (as in execute.ts); before them, the warm-up. */
  first: number;
  end: number;
  decimals: number;
}

/**
 * One select's paired rows: the candidates of `after`/`until`, order, offset + limit (`want`, `skip` as
 * execute.ts computes them), skiplast, and `warm` paired bars before the first.
 */
export async function pairedWindow(
  bid: SeriesHandle, ask: SeriesHandle,
  q: { after?: number; until?: number; order: 'asc' | 'desc'; side: ReadSide; skipLast: boolean; want: number; skip: number; warm: number },
): Promise<PairedWindow> {
  if (bid.decimals !== ask.decimals) throw new ApiError(500, 'STORE_UNREADABLE', `the BID and ASK stores of ${bid.id} ${bid.timeframe} have different decimals (${bid.decimals}, ${ask.decimals})`);
  const decimals = bid.decimals;
  const lo = q.after ?? -Infinity;
  const hi = q.until ?? Infinity;
  const need = q.skip + q.want + (q.skipLast ? 1 : 0);
  // Grow a window of BID bars from the starting end until it pairs enough rows (or reaches the other end).
  let span = Math.max(64, need + 64);
  let rows: PairedColumns;
  let reachedEnd: boolean;
  for (;;) {
    let fromTs = lo;
    let toTs = hi;
    if (q.order === 'asc') {
      const start = q.after === undefined ? 0 : await bid.lowerBound(lo);
      toTs = Math.min(hi, await timeAt(bid, start + span, Infinity));
    } else {
      const end = q.until === undefined ? bid.count : await bid.lowerBound(hi);
      fromTs = Math.max(lo, end - span <= 0 ? -Infinity : await timeAt(bid, end - span, -Infinity));
    }
    rows = await pairBetween(bid, ask, fromTs, toTs, q.side, decimals);
    reachedEnd = q.order === 'desc' || toTs >= hi;
    if (rows.length >= need || (q.order === 'asc' ? toTs >= hi : fromTs <= lo)) break;
    span *= 2;
  }
  let end = rows.length;
  // skiplast: the still-open bar is the store's last, so only a window reaching the range's end has it.
  if (q.skipLast && reachedEnd && end > 0 && (rows.flags[end - 1] & 1) !== 0) end--;
  let a: number, b: number;
  if (q.order === 'asc') {
    a = Math.min(end, q.skip);
    b = Math.min(end, a + q.want);
  } else {
    b = Math.max(0, end - q.skip);
    a = Math.max(0, b - q.want);
  }
  // Warm-up: `warm` paired bars before row a; pair more history before the window while short.
  let cols = rows;
  let first = a;
  let last = b;
  if (q.warm > 0 && a - q.warm < 0 && b > a) {
    const startTs = rows.ts[0];
    let back = Math.max(64, q.warm * 2);
    for (;;) {
      const startIdx = await bid.lowerBound(startTs);
      const fromTs = startIdx - back <= 0 ? -Infinity : await timeAt(bid, startIdx - back, -Infinity);
      const before = await pairBetween(bid, ask, fromTs, startTs, q.side, decimals);
      if (before.length + a >= q.warm || fromTs === -Infinity) {
        cols = concat(before, rows);
        first = a + before.length;
        last = b + before.length;
        break;
      }
      back *= 2;
    }
  }
  return { cols, first, end: last, decimals: q.side === 'mid' ? decimals + MID_EXTRA_DECIMALS : decimals };
}
