// Session windows on the store time axis: for each session date, its active ranges (weekday and date
// filters applied) turned into [start, end) store-ts intervals, generated a batch of dates at a time and
// walked with a forward-only pointer, so the resampler compares plain numbers per candle and converts time
// zones only once per range per date. A range that wraps midnight belongs to the session date it ends on
// (FX convention: Sunday 17:00 New York opens Monday's bar).
// Trade-off: inside one range, bars step in store-axis minutes from the range start; this equals local
// wall-clock alignment unless a DST switch falls inside a trading range (exchanges are closed at 02:00).
import { ConfigError } from '../errors.js';
import { DAY_MS, MINUTE_MS, formatDay } from '../util/dates.js';
import type { SessionSpec } from '../timeframes/plan.js';
import type { CalendarUnit } from '../timeframes/rules.js';
import type { StoreAxis, ZoneOffsets } from './zone.js';

const BATCH_DAYS = 64;

/** 0 = Monday … 6 = Sunday for a date label (epoch ms of 00:00 UTC); 1970-01-01 was a Thursday. */
export function weekdayIndex(date: number): number {
  return (Math.floor(date / DAY_MS) + 3) % 7;
}

/** First date of the week (Monday), month or year holding `date`; for 'd' the date itself. */
export function periodStart(date: number, unit: CalendarUnit): number {
  switch (unit) {
    case 'd': return date;
    case 'W': return date - weekdayIndex(date) * DAY_MS;
    case 'M': {
      const d = new Date(date);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    }
    case 'Y': return Date.UTC(new Date(date).getUTCFullYear(), 0, 1);
  }
}

/** First date of the next period after the one starting at `start`. */
export function nextPeriod(start: number, unit: CalendarUnit): number {
  switch (unit) {
    case 'd': return start + DAY_MS;
    case 'W': return start + 7 * DAY_MS;
    case 'M': {
      const d = new Date(start);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    }
    case 'Y': return Date.UTC(new Date(start).getUTCFullYear() + 1, 0, 1);
  }
}

export class SessionCalendar {
  /** Window i: store-ts interval [start[i], end[i]). */
  readonly start: number[] = [];
  readonly end: number[] = [];
  /** Local minutes of the range start (the origin of intraday bars in it). */
  readonly origin: number[] = [];
  /** Origin of the first range of the window's session date (the origin of calendar bars). */
  readonly dayOrigin: number[] = [];
  /** Session date label (epoch ms of 00:00 UTC of the local date). */
  readonly date: number[] = [];
  /** Store ts of the session date's local midnight (the ts of its 1d bar). */
  readonly dayKey: number[] = [];
  private pointer = 0;
  private nextDate: number | undefined;
  private readonly lastDate: number;
  private lastEndUtc = -Infinity;
  private lastEndStore = -Infinity;
  private keyDate = NaN;
  private keyUnit: CalendarUnit | undefined;
  private keyValue = 0;

  constructor(readonly spec: SessionSpec, private readonly axis: StoreAxis, private readonly zone: ZoneOffsets) {
    this.lastDate = Math.max(...spec.ranges.map((r) => r.toDate));
  }

  /**
   * Index of the first window that ends after store ts `ts`, or -1 when no window ever will. Calls must
   * come with non-decreasing `ts` (the pointer only moves forward).
   */
  windowAt(ts: number): number {
    if (this.nextDate === undefined) {
      // Local dates are within ±2 days of the store date (offsets and shifts ≤ 14 h, a range wraps ≤ 1 day).
      this.nextDate = Math.floor(ts / DAY_MS) * DAY_MS - 3 * DAY_MS;
    }
    let j = this.pointer;
    for (;;) {
      while (j >= this.end.length) {
        if (!this.generate()) {
          this.pointer = j;
          return -1;
        }
      }
      if (this.end[j] > ts) break;
      j++;
    }
    this.pointer = j;
    return j;
  }

  /** Store ts of the local midnight that starts the `unit` period holding session date `date`. */
  periodKey(date: number, unit: CalendarUnit): number {
    const p = periodStart(date, unit);
    if (p !== this.keyDate || unit !== this.keyUnit) {
      this.keyDate = p;
      this.keyUnit = unit;
      this.keyValue = this.axis.storeOf(this.zone.wallToUtc(p));
    }
    return this.keyValue;
  }

  /** Session date of a calendar bar (its ts is a local midnight on the store axis): the nearest local midnight. */
  dateOfCalendarBar(ts: number): number {
    return Math.round(this.zone.toWall(this.axis.toUtc(ts)) / DAY_MS) * DAY_MS;
  }

  /** Generate the next batch of dates; false when no range is active on any later date. */
  private generate(): boolean {
    const from = this.nextDate!;
    if (from > this.lastDate) return false;
    const to = from + BATCH_DAYS * DAY_MS;
    for (let d = from; d < to; d += DAY_MS) this.addDate(d);
    this.nextDate = to;
    return true;
  }

  private addDate(d: number): void {
    const bit = 1 << weekdayIndex(d);
    let first = true;
    let dayOrigin = 0;
    let dayKey = 0;
    for (const r of this.spec.ranges) {
      if (!(r.weekdayMask & bit) || d < r.fromDate || d > r.toDate) continue;
      if (first) {
        first = false;
        dayOrigin = r.fromMin;
        dayKey = this.axis.storeOf(this.zone.wallToUtc(d));
      }
      const startUtc = this.zone.wallToUtc(d + (r.fromMin - (r.wrap ? 1440 : 0)) * MINUTE_MS);
      const endUtc = this.zone.wallToUtc(d + r.toMin * MINUTE_MS);
      if (endUtc <= startUtc) continue;
      if (startUtc < this.lastEndUtc) {
        throw new ConfigError(`${r.key}: overlaps the range before it on session date ${formatDay(d)}; ranges of a session must not share a minute`);
      }
      this.lastEndUtc = endUtc;
      // The store axis steps back an hour when its own shift leaves DST: keep windows in order.
      const start = Math.max(this.axis.storeOf(startUtc), this.lastEndStore);
      const end = this.axis.storeOf(endUtc);
      if (end <= start) continue;
      this.lastEndStore = end;
      this.start.push(start);
      this.end.push(end);
      this.origin.push(r.fromMin);
      this.dayOrigin.push(dayOrigin);
      this.date.push(d);
      this.dayKey.push(dayKey);
    }
  }
}
