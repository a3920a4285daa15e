// When a closed day's answer may be cached as final (issue 9 part 3). The server may not have finished a day
// that has closed on our clock: just after midnight, when the client's clock is ahead of the server's, or when
// the server is still processing. A day kept in the cache is never fetched again, so it is cached only when
//   1. both clocks are past its close by the settle time: the client's (`--now` or the system clock) and the
//      server's (the response's HTTP `Date` header, when sent); and
//   2. its last candle is not well before the end of the instrument's trading hours, where those hours are
//      known (see expectedLastMinute): more than SHORT_TOLERANCE_MS short is a day still being filled.
// Otherwise the day is provisional: its raw JSON stays in data/temp and it is fetched again next run.
// Rule 2 holds a day back for at most MAX_HOLD_MS after its close (both clocks): a holiday's early close or a
// quiet market is then taken as the server's final answer rather than refetched forever.
import type { DayJson } from '../dukascopy/dayJson.js';
import { DAY_MS, isoMinute, MINUTE_MS } from '../util/dates.js';
import { zonedToUtc } from '../util/tz.js';
import { baseSymbol } from '../dukascopy/series.js';

/** A last candle this much before the expected last minute marks the day as still being filled. */
export const SHORT_TOLERANCE_MS = 15 * MINUTE_MS;
/** Rule 2 stops holding a short day back this long after its close. */
export const MAX_HOLD_MS = DAY_MS;
export const DEFAULT_SETTLE_MINUTES = 30;

export type Settlement = { final: true } | { final: false; reason: string };

export interface SettleInput {
  symbol: string;
  /** 00:00 UTC of the day. */
  day: number;
  doc: DayJson;
  /** The client's clock when the answer arrived. */
  clientNow: number;
  /** The server's clock (its `Date` header), when it sent one. */
  serverNow?: number;
  settleMs: number;
}

export function settleDay(input: SettleInput): Settlement {
  const close = input.day + DAY_MS;
  const clock = Math.min(input.clientNow, input.serverNow ?? Infinity);
  // A Date header has whole seconds: only a server behind by more than that is named as the reason.
  const whose = input.serverNow !== undefined && input.serverNow < input.clientNow - 1000 ? "the server's clock" : 'the clock';
  if (clock < close) return { final: false, reason: `${whose} (${isoMinute(clock)} UTC) is before the day's close` };
  if (clock < close + input.settleMs) {
    return { final: false, reason: `fetched ${Math.floor((clock - close) / MINUTE_MS)} min after the day's close by ${whose}, settle time ${Math.round(input.settleMs / MINUTE_MS)} min` };
  }
  const expected = expectedLastMinute(input.symbol, input.day);
  if (expected === undefined || clock >= close + MAX_HOLD_MS) return { final: true };
  const last = lastCandleTime(input.doc);
  if (last === undefined) return { final: false, reason: `no candles, though ${input.symbol} trades until ${isoMinute(expected + MINUTE_MS)} UTC that day` };
  if (last < expected - SHORT_TOLERANCE_MS) {
    return { final: false, reason: `last candle at ${isoMinute(last)} UTC, though ${input.symbol} trades until ${isoMinute(expected + MINUTE_MS)} UTC that day` };
  }
  return { final: true };
}

// Hours known without the instrument's own schedule (the instruments issue brings that), deliberately few:
// - crypto (BASE in CRYPTO): 24/7, the last minute of every day is 23:59 UTC;
// - currency pairs and spot metals (BASE/QUOTE of three letters each, e.g. EUR/USD, XAU/USD): the FX week,
//   from Sunday evening to Friday 17:00 New York (21:00 UTC in New York's summer, 22:00 in its winter; the
//   sim closes at 22:00 UTC all year, later, so never cut short by this): Sunday–Thursday end at 23:59 UTC,
//   Friday the minute before 17:00 New York, Saturday has no trading.
// Anything else (indices, commodities, stocks: exchange hours, breaks, DST) is unknown: only rule 1 applies.
const CRYPTO = new Set(['BTC', 'ETH', 'LTC', 'BCH', 'XRP', 'XLM', 'EOS', 'ADA', 'DOT', 'SOL', 'LNK', 'LINK', 'UNI', 'DOGE', 'TRX', 'MATIC', 'AVAX']);
const FX_PAIR = /^[A-Z]{3}\/[A-Z]{3}$/;

/** Start of the minute the instrument's trading day ends with (UTC), or undefined: no trading or unknown. */
export function expectedLastMinute(series: string, day: number): number | undefined {
  // Both sides of a symbol trade the same hours.
  const symbol = baseSymbol(series);
  const base = symbol.slice(0, symbol.indexOf('/'));
  const endOfDay = day + DAY_MS - MINUTE_MS;
  if (CRYPTO.has(base)) return endOfDay;
  if (!FX_PAIR.test(symbol)) return undefined;
  const weekday = new Date(day).getUTCDay(); // 0 = Sunday
  if (weekday === 6) return undefined;
  if (weekday === 5) return zonedToUtc('America/New_York', day + 17 * 3_600_000) - MINUTE_MS;
  return endOfDay;
}

/** Time of the day's last candle (timestamp + Σ times · shift), undefined for an empty day. */
export function lastCandleTime(doc: DayJson): number | undefined {
  if (doc.times.length === 0) return undefined;
  let steps = 0;
  for (const t of doc.times) steps += t;
  return doc.timestamp + steps * doc.shift;
}
