// Forward-only merge of the live (current UTC) day (DESIGN §4). The file in data/temp keeps every candle it
// already has, byte for byte in its arrays; from the server's answer only candles later than the last kept
// one are appended, and only those that are complete (minute start + 60 s ≤ now) and inside the day. So the
// decoded candle sequence of a later run always starts with the sequence of an earlier run, even when the
// server revises a minute it already served.
//
// The merged day stays in the Dukascopy shape (see src/dukascopy/dayJson.ts): base prices = first candle,
// integer deltas in `multiplier` units, `times` in `shift` units. Prices are handled as integers
// (price / multiplier), so appending never adds float drift. A candle is appended by writing its deltas
// against the last kept candle.
import { CorruptFileError } from '../errors.js';
import type { DayJson } from '../dukascopy/dayJson.js';
import { DAY_MS, MINUTE_MS } from '../util/dates.js';

/** One decoded candle; prices as integers in units of the target multiplier. */
interface UnitCandle {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

export interface LiveMerge {
  doc: DayJson;
  /** Candles taken over from the existing file. */
  kept: number;
  /** Candles appended from the server's answer. */
  appended: number;
}

/**
 * Merge `server` (the live answer) into `existing` (the live file so far, if any) for UTC `day` at `nowMs`.
 * `where` names the file in errors.
 */
export function mergeLiveDay(existing: DayJson | undefined, server: DayJson, day: number, nowMs: number, where: string): LiveMerge {
  const multiplier = existing?.multiplier ?? server.multiplier;
  const shift = existing?.shift ?? server.shift;
  const out: DayJson = existing ? cloneDay(existing) : emptyDay(day, multiplier, shift);
  let prev: UnitCandle | undefined;
  for (const c of decodeUnits(out, multiplier)) prev = c;
  const kept = out.times.length;

  let appended = 0;
  for (const c of decodeUnits(server, multiplier)) {
    if (c.t < day || c.t >= day + DAY_MS) continue; // not this UTC day
    if (c.t + MINUTE_MS > nowMs) continue; // still forming
    if (prev && c.t <= prev.t) continue; // already kept: never rewritten
    if (!prev) {
      out.timestamp = c.t;
      out.open = fromUnits(c.o, multiplier);
      out.high = fromUnits(c.h, multiplier);
      out.low = fromUnits(c.l, multiplier);
      out.close = fromUnits(c.c, multiplier);
      pushCandle(out, 0, 0, 0, 0, 0, c.v);
    } else {
      const steps = (c.t - prev.t) / shift;
      if (!Number.isInteger(steps)) {
        throw new CorruptFileError('Download', where, `live candle at ${c.t} is not a whole number of ${shift} ms steps after ${prev.t}`);
      }
      pushCandle(out, steps, c.o - prev.o, c.h - prev.h, c.l - prev.l, c.c - prev.c, c.v);
    }
    prev = c;
    appended++;
  }
  return { doc: out, kept, appended };
}

/** The day document as JSON, keys in the order the real service sends them. */
export function encodeDayJson(d: DayJson): string {
  const ordered: DayJson = {
    timestamp: d.timestamp,
    multiplier: d.multiplier,
    open: d.open,
    high: d.high,
    low: d.low,
    close: d.close,
    shift: d.shift,
    times: d.times,
    opens: d.opens,
    highs: d.highs,
    lows: d.lows,
    closes: d.closes,
    volumes: d.volumes,
  } as DayJson;
  return JSON.stringify(ordered);
}

/** A day without candles, shaped like the service's answer for a weekend. */
export function emptyDay(day: number, multiplier: number, shift: number): DayJson {
  return {
    timestamp: day,
    multiplier,
    open: null,
    high: null,
    low: null,
    close: null,
    shift,
    times: [],
    opens: [],
    highs: [],
    lows: [],
    closes: [],
    volumes: [],
  };
}

function cloneDay(d: DayJson): DayJson {
  return {
    ...d,
    times: d.times.slice(),
    opens: d.opens.slice(),
    highs: d.highs.slice(),
    lows: d.lows.slice(),
    closes: d.closes.slice(),
    volumes: d.volumes.slice(),
  };
}

function pushCandle(d: DayJson, dt: number, o: number, h: number, l: number, c: number, v: number): void {
  d.times.push(dt);
  d.opens.push(o);
  d.highs.push(h);
  d.lows.push(l);
  d.closes.push(c);
  d.volumes.push(v);
}

/** Decode candles with absolute times and prices as integers in units of `target` multiplier. */
function* decodeUnits(d: DayJson, target: number): Generator<UnitCandle> {
  const n = d.times.length;
  if (n === 0) return;
  const m = d.multiplier;
  const conv = m === target ? (u: number) => u : (u: number) => Math.round((u * m) / target);
  let t = d.timestamp;
  let o = Math.round((d.open as number) / m);
  let h = Math.round((d.high as number) / m);
  let l = Math.round((d.low as number) / m);
  let c = Math.round((d.close as number) / m);
  for (let i = 0; i < n; i++) {
    t += d.times[i] * d.shift;
    o += d.opens[i];
    h += d.highs[i];
    l += d.lows[i];
    c += d.closes[i];
    yield { t, o: conv(o), h: conv(h), l: conv(l), c: conv(c), v: d.volumes[i] };
  }
}

/** units · multiplier without float noise (1.1433100000000001 → 1.14331). */
function fromUnits(units: number, multiplier: number): number {
  const decimals = Math.min(15, Math.max(0, Math.ceil(-Math.log10(multiplier)) + 2));
  return Number((units * multiplier).toFixed(decimals));
}
