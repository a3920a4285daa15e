// The live (current UTC) day as kept in data/temp/SYMBOL_YYYYMMDD.json: the server's latest answer, cut to
// the candles that are complete (minute start + 60 s ≤ now) and inside the day. The server revises minutes
// it already served (late ticks, corrections), so every run takes its whole answer again: the day is
// provisional (see docs/format.md, "Final and provisional"), and everything derived from it — its day file,
// the 1m store's tail, the timeframes' tails — is rewritten from this file by every run until the day is
// final and lives in cache/.
//
// The file stays in the Dukascopy shape (see src/dukascopy/dayJson.ts): base prices = first candle, integer
// deltas in `multiplier` units, `times` in `shift` units. Prices are handled as integers (price /
// multiplier), so cutting the answer never adds float drift.
import { CorruptFileError } from '../errors.js';
import type { DayJson } from '../dukascopy/dayJson.js';
import { DAY_MS, MINUTE_MS } from '../util/dates.js';

/** One decoded candle; prices as integers in units of the day's multiplier. */
interface UnitCandle {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

/**
 * The live file's content for UTC `day` at `nowMs` from the server's answer: its complete candles inside the
 * day, in the answer's multiplier and shift. `where` names the file in errors.
 */
export function completeLiveDay(server: DayJson, day: number, nowMs: number, where: string): DayJson {
  const { multiplier, shift } = server;
  const out = emptyDay(day, multiplier, shift);
  let prev: UnitCandle | undefined;
  for (const c of decodeUnits(server)) {
    if (c.t < day || c.t >= day + DAY_MS) continue; // not this UTC day
    if (c.t + MINUTE_MS > nowMs) continue; // still forming
    if (!prev) {
      out.timestamp = c.t;
      out.open = fromUnits(c.o, multiplier);
      out.high = fromUnits(c.h, multiplier);
      out.low = fromUnits(c.l, multiplier);
      out.close = fromUnits(c.c, multiplier);
      pushCandle(out, 0, 0, 0, 0, 0, c.v);
    } else {
      const steps = (c.t - prev.t) / shift;
      if (!Number.isInteger(steps) || steps <= 0) {
        throw new CorruptFileError('Download', where, `live candle at ${c.t} is not a whole, positive number of ${shift} ms steps after ${prev.t}`);
      }
      pushCandle(out, steps, c.o - prev.o, c.h - prev.h, c.l - prev.l, c.c - prev.c, c.v);
    }
    prev = c;
  }
  return out;
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

function pushCandle(d: DayJson, dt: number, o: number, h: number, l: number, c: number, v: number): void {
  d.times.push(dt);
  d.opens.push(o);
  d.highs.push(h);
  d.lows.push(l);
  d.closes.push(c);
  d.volumes.push(v);
}

/** Decode candles with absolute times and prices as integers in units of the day's multiplier. */
function* decodeUnits(d: DayJson): Generator<UnitCandle> {
  const n = d.times.length;
  if (n === 0) return;
  const m = d.multiplier;
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
    yield { t, o, h, l, c, v: d.volumes[i] };
  }
}

/** units · multiplier without float noise (1.1433100000000001 → 1.14331). */
function fromUnits(units: number, multiplier: number): number {
  const decimals = Math.min(15, Math.max(0, Math.ceil(-Math.log10(multiplier)) + 2));
  return Number((units * multiplier).toFixed(decimals));
}
