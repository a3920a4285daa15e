// The ASK side of the sim (issue 14): `/v1/candles/minute/{CODE}/ASK/…` answers the BID day of the same
// request (generated, revised, cut exactly as the BID answer) with a spread added, so both sides have the
// same minutes and a normal day pairs perfectly. The BID answer is not touched by any of this.
//
// Spread model, in price units (the instrument's grid), drawn per minute from (seed, symbol, day, minute)
// alone, so a live answer is a prefix of the closed day and any minute is reproducible on its own:
//   base     = volPerMinute · level · MARKET_FACTOR[market] · instrument factor (0.7–1.6, from the code's
//              hash): a one-minute move's fraction, so exotics and crypto are wider than majors;
//   widened  ×1/activity of the UTC hour (a quiet hour quotes wider) and ×4 around the daily roll
//              (21:50–22:15 UTC, when FX liquidity providers step back);
//   noise    ×(0.75–1.35) per field; at least 0.
// ask open = bid open + s_open, ask close = bid close + s_close; high/low carry the minute's mean spread and
// are widened to contain ask open and close, so every ask candle is a valid candle with ask ≥ bid.
// Volume: the ask side's own quoted volume, the bid volume × 0.8–1.25 (at least one unit).
//
// One-sided minutes (`oneSidedRate` P, sim `--one-sided-rate P`, default 0): a fraction P of the trading
// minutes is missing on exactly one side (which one: another bit of the same hash), so clients can be
// tested on minutes that exist on one side only. With P = 0 both sides have the same minutes.
import type { Market } from './instruments.js';
import type { SimDay } from './generator.js';

export type SimSide = 'BID' | 'ASK';

const MARKET_FACTOR: Record<Market, number> = { fx: 0.35, metal: 0.45, commodity: 0.6, index: 0.5, crypto: 0.9 };
const ROLL_FROM = 21 * 60 + 50;
const ROLL_TO = 22 * 60 + 15;
const ROLL_WIDENING = 4;

type Hash = (...parts: number[]) => number;

/** Turn the BID day `day` (in place) into its ASK day; `key` hashes (seed, symbol, day index), `symbol` the code's hash. */
export function applyAsk(day: SimDay, key: number, symbol: number, activity: Float64Array, hash: Hash): void {
  const { inst, minutes, opens, highs, lows, closes, volumes } = day;
  if (day.n === 0) return;
  const level = closes[0];
  const instrumentFactor = 0.7 + 0.9 * ((symbol >>> 8) / 16777216);
  const base = inst.volPerMinute * level * MARKET_FACTOR[inst.market] * instrumentFactor;
  for (let i = 0; i < day.n; i++) {
    const k = minutes[i];
    const roll = k >= ROLL_FROM && k < ROLL_TO ? ROLL_WIDENING : 1;
    const width = (base * roll) / Math.max(0.3, activity[(k / 60) | 0]);
    const r = hash(key, k, 0xa5c);
    const r2 = hash(key, k, 0xa5d);
    const sOpen = Math.max(0, Math.round(width * (0.75 + 0.6 * ((r & 0xffff) / 65536))));
    const sClose = Math.max(0, Math.round(width * (0.75 + 0.6 * ((r >>> 16) / 65536))));
    const sMean = Math.round((sOpen + sClose) / 2);
    const o = opens[i] + sOpen;
    const c = closes[i] + sClose;
    let h = highs[i] + sMean;
    let l = lows[i] + sMean;
    if (h < o) h = o;
    if (h < c) h = c;
    if (l > o) l = o;
    if (l > c) l = c;
    opens[i] = o;
    highs[i] = h;
    lows[i] = l;
    closes[i] = c;
    volumes[i] = Math.max(1, Math.round(volumes[i] * (0.8 + 0.45 * ((r2 & 0xffff) / 65536))));
  }
}

/** Remove from `day` (in place) the minutes that the one-sided rule takes off `side` at rate `p`. */
export function dropOneSided(day: SimDay, side: SimSide, p: number, key: number, hash: Hash): void {
  if (!(p > 0)) return;
  const threshold = p * 4294967296;
  const { minutes, opens, highs, lows, closes, volumes } = day;
  let n = 0;
  for (let i = 0; i < day.n; i++) {
    const k = minutes[i];
    const r = hash(key, k, 0x051de);
    if (r < threshold && (hash(key, k, 0x051df) & 1 ? 'ASK' : 'BID') === side) continue;
    minutes[n] = k;
    opens[n] = opens[i];
    highs[n] = highs[i];
    lows[n] = lows[i];
    closes[n] = closes[i];
    volumes[n] = volumes[i];
    n++;
  }
  day.n = n;
}
