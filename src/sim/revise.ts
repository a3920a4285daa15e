// `sim --revise P`: the server revises minutes it already served, like the real service (late ticks,
// corrections), so clients must treat the live day as provisional. Deterministic: a revision depends only on
// (seed, symbol, day, minute, version), where the version of an answer is the request's minute (floor(now /
// 60 s)) for the current day and FINAL for a closed day. So two requests in the same minute get the same
// answer, a later request may see earlier minutes changed, and the closed day differs from the last live
// answer in prices and volumes.
// In one answer, with probability P per candle:
//   - revised: close moved by 1–3 price units (high/low widened to keep low ≤ open, close ≤ high) and the
//     volume scaled by 0.5–1.5 (at least 1 unit);
//   - late (live answers only, candles that ended less than LATE_MS before now): not there yet; a later
//     answer has it.
import type { SimDay } from './generator.js';

/** Version of the answer for a closed day. */
export const FINAL_VERSION = -1;
/** A live answer may miss candles that ended less than this before its `now`. */
export const LATE_MS = 10 * 60_000;
const MINUTE_MS = 60_000;

export interface Revision {
  /** Probability per candle of a revision (and, for live answers, of arriving late). */
  p: number;
  /** floor(now / 60 s) of the request for the current day, FINAL_VERSION for a closed day. */
  version: number;
  /** The request's now (late candles are judged against it). */
  nowMs: number;
}

/** The revision of an answer about `dayMs` at `nowMs`, or undefined when P is 0. */
export function revisionOf(p: number, dayMs: number, nowMs: number): Revision | undefined {
  if (!(p > 0)) return undefined;
  const closed = dayMs + 86_400_000 <= nowMs;
  return { p, version: closed ? FINAL_VERSION : Math.floor(nowMs / MINUTE_MS), nowMs };
}

/**
 * Apply `rev` to `day` in place (candles keep their order; late ones are removed). `key` hashes (seed,
 * symbol, day index) and `hash` mixes integers into a 32-bit value (generator.ts's hashSeed).
 */
export function reviseDay(day: SimDay, rev: Revision, key: number, hash: (...parts: number[]) => number): void {
  const { minutes, opens, highs, lows, closes, volumes } = day;
  const threshold = rev.p * 4294967296;
  let n = 0;
  for (let i = 0; i < day.n; i++) {
    const k = minutes[i];
    let o = opens[i], h = highs[i], l = lows[i], c = closes[i], v = volumes[i];
    if (rev.version !== FINAL_VERSION && rev.nowMs - (day.dayMs + (k + 1) * MINUTE_MS) < LATE_MS && hash(key, k, rev.version, 0x1a7e) < threshold) continue;
    const r = hash(key, k, rev.version, 0x5e71);
    if (r < threshold) {
      const step = 1 + (r % 3);
      c = (r >>> 8) & 1 ? c + step : Math.max(1, c - step);
      if (c > h) h = c;
      if (c < l) l = c;
      v = Math.max(1, Math.round(v * (0.5 + ((r >>> 10) & 0x3ff) / 1024)));
    }
    minutes[n] = k;
    opens[n] = o;
    highs[n] = h;
    lows[n] = l;
    closes[n] = c;
    volumes[n] = v;
    n++;
  }
  day.n = n;
}
