// Store-time day groups for the indicators anchored on days (pivot, camarilla): the high, low and close
// of the previous day that has bars, for every bar. On timeframes of a day or more each bar is its day.
import { DAY_MS, type Bars } from './types.js';

/** For each bar: previous day's high, low, close (NaN on the first day). */
export function previousDayHLC(b: Bars): { high: Float64Array; low: Float64Array; close: Float64Array } {
  const n = b.length;
  const high = new Float64Array(n).fill(NaN);
  const low = new Float64Array(n).fill(NaN);
  const close = new Float64Array(n).fill(NaN);
  let day = NaN;
  let prev = { h: NaN, l: NaN, c: NaN };
  let cur = { h: NaN, l: NaN, c: NaN };
  for (let i = 0; i < n; i++) {
    const d = Math.floor(b.ts[i] / DAY_MS);
    if (d !== day) {
      if (!Number.isNaN(day)) prev = cur;
      day = d;
      cur = { h: b.high[i], l: b.low[i], c: b.close[i] };
    } else {
      if (b.high[i] > cur.h) cur.h = b.high[i];
      if (b.low[i] < cur.l) cur.l = b.low[i];
      cur.c = b.close[i];
    }
    high[i] = prev.h;
    low[i] = prev.l;
    close[i] = prev.c;
  }
  return { high, low, close };
}
