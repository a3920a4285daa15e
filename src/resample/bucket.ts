// Bucketers: which bar a source row belongs to. The fold loop calls `locate` only when a row's ts reaches
// the current bucket's `end`, so per row the cost is one comparison; everything here runs once per bar (or
// per session window). Four shapes:
//   plain intraday    no session: N-minute grid restarting at each store-time midnight (origin 0)
//   plain calendar    no session: store-time day, Monday week, month, year
//   session intraday  N-minute grid from each session range start, cut at the range end
//   session calendar  session date → its day / week / month / year, ts = local midnight on the store axis
// Trade-off: state lives in mutable fields set and read by the caller (no result objects, no boxed numbers
// on the hot path).
import type { SessionSpec } from '../timeframes/plan.js';
import type { CalendarUnit, Rule } from '../timeframes/rules.js';
import { SessionCalendar, nextPeriod, periodStart } from './sessions.js';
import { storeAxis, zoneOffsets } from './zone.js';
import type { ShiftRule } from '../config/symbolSettings.js';
import { DAY_MS, MINUTE_MS } from '../util/dates.js';

export interface Bucketer {
  /** The row is part of a bar (false: outside every session range). */
  inside: boolean;
  /** Bar ts (bucket start on the store axis) when inside. */
  key: number;
  /** Rows before this store ts fall in the same bucket (or, when outside, are outside too). */
  end: number;
  /** Origin written into the bar (minutes from local midnight). */
  origin: number;
  /**
   * The row's store ts, set by the caller before locate() (non-decreasing across calls). A field, not an
   * argument: a double passed to a call that is not inlined is boxed, one heap number per bar.
   */
  ts: number;
  /** Locate the row at store ts `this.ts`; `rowOrigin` is the row's own origin. */
  locate(rowOrigin: number): void;
}

export function makeBucketer(rule: Rule, sourceRule: Rule, session: SessionSpec | undefined, shift: ShiftRule): Bucketer {
  if (!session) return rule.kind === 'intraday' ? new PlainIntraday(rule.minutes * MINUTE_MS) : new PlainCalendar(rule.unit);
  const calendar = new SessionCalendar(session, storeAxis(shift), zoneOffsets(session.zone));
  if (rule.kind === 'intraday') return new SessionIntraday(rule.minutes * MINUTE_MS, calendar);
  if (sourceRule.kind === 'calendar') return new SessionCalendarOfCalendar(rule.unit, calendar);
  return new SessionCalendarOfWindows(rule.unit, calendar);
}

class PlainIntraday implements Bucketer {
  inside = true;
  key = 0;
  end = -Infinity;
  origin = 0;
  ts = 0;
  constructor(private readonly size: number) {}
  locate(): void {
    const ts = this.ts;
    const day = Math.floor(ts / DAY_MS) * DAY_MS;
    const key = day + Math.floor((ts - day) / this.size) * this.size;
    this.key = key;
    this.end = Math.min(key + this.size, day + DAY_MS);
  }
}

class PlainCalendar implements Bucketer {
  inside = true;
  key = 0;
  end = -Infinity;
  origin = 0;
  ts = 0;
  constructor(private readonly unit: CalendarUnit) {}
  locate(): void {
    const ts = this.ts;
    const key = periodStart(Math.floor(ts / DAY_MS) * DAY_MS, this.unit);
    this.key = key;
    this.end = nextPeriod(key, this.unit);
  }
}

class SessionIntraday implements Bucketer {
  inside = false;
  key = 0;
  end = -Infinity;
  origin = 0;
  ts = 0;
  constructor(private readonly size: number, private readonly cal: SessionCalendar) {}
  locate(): void {
    const ts = this.ts;
    const cal = this.cal;
    const j = cal.windowAt(ts);
    if (j < 0) {
      this.inside = false;
      this.end = Infinity;
      return;
    }
    const start = cal.start[j];
    if (ts < start) {
      this.inside = false;
      this.end = start;
      return;
    }
    const key = start + Math.floor((ts - start) / this.size) * this.size;
    this.inside = true;
    this.key = key;
    this.end = Math.min(key + this.size, cal.end[j]);
    this.origin = cal.origin[j];
  }
}

/** 1d/1W/1M/1Y from 1m or intraday rows: the session date of the row's window. */
class SessionCalendarOfWindows implements Bucketer {
  inside = false;
  key = 0;
  end = -Infinity;
  origin = 0;
  ts = 0;
  constructor(private readonly unit: CalendarUnit, private readonly cal: SessionCalendar) {}
  locate(): void {
    const ts = this.ts;
    const cal = this.cal;
    const j = cal.windowAt(ts);
    if (j < 0) {
      this.inside = false;
      this.end = Infinity;
      return;
    }
    if (ts < cal.start[j]) {
      this.inside = false;
      this.end = cal.start[j];
      return;
    }
    this.inside = true;
    this.key = this.unit === 'd' ? cal.dayKey[j] : cal.periodKey(cal.date[j], this.unit);
    this.end = cal.end[j];
    this.origin = cal.dayOrigin[j];
  }
}

/** 1W/1M/1Y from 1d (or 1Y from 1M) bars: each source bar's ts is its own period's local midnight. */
class SessionCalendarOfCalendar implements Bucketer {
  inside = true;
  key = 0;
  end = -Infinity;
  origin = 0;
  ts = 0;
  constructor(private readonly unit: CalendarUnit, private readonly cal: SessionCalendar) {}
  locate(rowOrigin: number): void {
    const ts = this.ts;
    this.key = this.cal.periodKey(this.cal.dateOfCalendarBar(ts), this.unit);
    this.end = ts + 1;
    this.origin = rowOrigin;
  }
}
