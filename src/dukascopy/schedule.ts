// When an instrument trades, from its document (instrument.ts): the sessions of `tradeSchedule`, read in
// `defaultTimezone` with DST resolved per date, minus `holidays`, from the MINUTE history on. One reading
// for every user: the sim generates candles only inside it, `verify` counts gaps only inside it, the
// settle rule and `sessions: auto` take the trading day from it.
// Session of weekday W on local date D: start = (D − 1 if previousDayStart else D) at `start`, end = (D − 1 if
// previousDayEnd else D) at `end`; an end at or before its start (BTC's 00:00 → 00:00 of the next day) ends
// a day later. A `tradeSchedule` entry applies to the sessions starting in its [from, to).
import { DAY_MS, MINUTE_MS } from '../util/dates.js';
import { zonedToUtc } from '../util/tz.js';
import { firstMinute, WEEKDAY_NAMES, type InstrumentDocument } from './instrument.js';

/** Hours of a schedule clock time `HH:MM:SS` in ms. */
export function clockMs(text: string): number {
  return (+text.slice(0, 2) * 60 + +text.slice(3, 5)) * MINUTE_MS + +text.slice(6, 8) * 1000;
}

/** 0 = MONDAY … 6 = SUNDAY for a local date carried as UTC midnight ms (1970-01-01 was a Thursday). */
function weekdayOf(localDate: number): number {
  return (Math.floor(localDate / DAY_MS) + 3) % 7;
}

/**
 * Trading time in [fromMs, toMs) as sorted, disjoint UTC `[start, end)` pairs, flattened
 * (`[s0, e0, s1, e1, …]`): sessions minus holidays, nothing before the first minute of data.
 */
export function tradingIntervals(doc: InstrumentDocument, fromMs: number, toMs: number): number[] {
  const zone = doc.defaultTimezone;
  const pairs: [number, number][] = [];
  // A session can start up to two local days before it is listed (previousDayStart, and a zone up to 14 h
  // from UTC), so local dates from two days before the range to one after it cover every overlap.
  const first = Math.floor(fromMs / DAY_MS) * DAY_MS - 2 * DAY_MS;
  for (let date = first; date < toMs + DAY_MS; date += DAY_MS) {
    const name = WEEKDAY_NAMES[weekdayOf(date)];
    for (const entry of doc.tradeSchedule) {
      for (const s of entry.sessions[name] ?? []) {
        const start = zonedToUtc(zone, date - (s.previousDayStart ? DAY_MS : 0) + clockMs(s.start));
        let end = zonedToUtc(zone, date - (s.previousDayEnd ? DAY_MS : 0) + clockMs(s.end));
        if (end <= start) end = zonedToUtc(zone, date - (s.previousDayEnd ? DAY_MS : 0) + DAY_MS + clockMs(s.end));
        if (start < entry.from || (entry.to !== null && start >= entry.to)) continue;
        const a = Math.max(start, fromMs);
        const b = Math.min(end, toMs);
        if (a < b) pairs.push([a, b]);
      }
    }
  }
  const merged = mergePairs(pairs);
  const holidays = mergePairs(doc.holidays.filter((h) => h.till > h.from && h.till > fromMs && h.from < toMs).map((h) => [h.from, h.till]));
  const open = subtract(merged, holidays);
  const start = firstMinute(doc);
  const out: number[] = [];
  for (const [a, b] of open) {
    const s = Math.max(a, start);
    if (s < b) out.push(s, b);
  }
  return out;
}

/** The trading minutes of one UTC day as `[start, end)` minute-of-day pairs, flattened (0..1440). */
export function dayMinuteIntervals(doc: InstrumentDocument, dayMs: number): number[] {
  return tradingIntervals(doc, dayMs, dayMs + DAY_MS).map((t, i) => (i % 2 === 0 ? Math.ceil : Math.floor)((t - dayMs) / MINUTE_MS));
}

/** Whether the instant `ms` lies in a holiday of the document. */
export function inHoliday(doc: InstrumentDocument, ms: number): boolean {
  return doc.holidays.some((h) => ms >= h.from && ms < h.till);
}

function mergePairs(pairs: [number, number][]): [number, number][] {
  pairs.sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [s, e] of pairs) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** `open` minus `closed`, both sorted and disjoint. */
function subtract(open: [number, number][], closed: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [s0, e] of open) {
    let s = s0;
    for (const [hs, he] of closed) {
      if (he <= s || hs >= e) continue;
      if (hs > s) out.push([s, hs]);
      s = Math.max(s, he);
      if (s >= e) break;
    }
    if (s < e) out.push([s, e]);
  }
  return out;
}
