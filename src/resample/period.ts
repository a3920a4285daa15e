// When a bar's period ends, and from that which bars are final (docs/format.md, "Final and provisional").
// A bar is final once (1) its period has ended at the run's clock and (2) no source row that is not final
// yet — a provisional row, or one a later run will append — can fall in it. Source rows that are not final
// all start at or after the end of the source's last final record (`finalEnd`: its ts + 1 minute for 1m
// rows, its period end for a bar), so both are "period end ≤ horizon" with
//   horizon = min(now on the store axis, finalEnd of the source).
// Period ends grow with the bar's key, so the final bars of a file are a prefix: the first bar that is not
// final starts the provisional tail. The hot fold loop asks only about bars whose key is within
// `maxPeriodMs` of the horizon (everything before is final for sure).
// Period of a bar: plain intraday N minutes, cut at store-time midnight; plain 1d/1W/1M/1Y: the store-time
// day, Monday week, month, year; a session's intraday bar: N minutes cut at its range's end; a session's
// 1d/1W/1M/1Y: the local calendar day/week/month/year of its session date (local midnight to local midnight).
import type { ShiftRule } from '../config/symbolSettings.js';
import { DAY_MS, MINUTE_MS } from '../util/dates.js';
import type { SessionSpec } from '../timeframes/plan.js';
import type { CalendarUnit, Rule } from '../timeframes/rules.js';
import { SessionCalendar, nextPeriod, periodStart } from './sessions.js';
import { storeAxis, zoneOffsets } from './zone.js';

/** Upper bound of a period's length (DST and session wrap included), per rule. */
export function maxPeriodMs(rule: Rule): number {
  if (rule.kind === 'intraday') return rule.minutes * MINUTE_MS;
  const days: Record<CalendarUnit, number> = { d: 3, W: 9, M: 33, Y: 368 };
  return days[rule.unit] * DAY_MS;
}

/**
 * `periodEnd(key)`: the store ts at which the period of the bar with ts `key` ends. Calls must come with
 * non-decreasing keys (a session calendar is walked forward only).
 */
export function periodEnds(rule: Rule, session: SessionSpec | undefined, shift: ShiftRule): (key: number) => number {
  if (!session) {
    if (rule.kind === 'intraday') {
      const size = rule.minutes * MINUTE_MS;
      return (key) => Math.min(key + size, Math.floor(key / DAY_MS) * DAY_MS + DAY_MS);
    }
    const unit = rule.unit;
    return (key) => nextPeriod(periodStart(Math.floor(key / DAY_MS) * DAY_MS, unit), unit);
  }
  const cal = new SessionCalendar(session, storeAxis(shift), zoneOffsets(session.zone));
  if (rule.kind === 'intraday') {
    const size = rule.minutes * MINUTE_MS;
    return (key) => {
      const j = cal.windowAt(key);
      return j < 0 ? key + size : Math.min(key + size, cal.end[j]);
    };
  }
  const unit: CalendarUnit = rule.unit;
  return (key) => cal.periodKey(nextPeriod(periodStart(cal.dateOfCalendarBar(key), unit), unit), unit);
}

/** Where a fold stands against the run's clock and its source's final part. */
export interface Horizon {
  /** Bars whose period ends after this are provisional: min(now on the store axis, the source's finalEnd). */
  final: number;
  /** The run's clock on the store axis: bars whose period ends after it are open. */
  now: number;
  /** Bars with a smaller key are final without asking (horizon minus the longest period). */
  checkFrom: number;
}

export function horizonOf(rule: Rule, nowStore: number, sourceFinalEnd: number): Horizon {
  const final = Math.min(nowStore, sourceFinalEnd);
  return { final, now: nowStore, checkFrom: final - maxPeriodMs(rule) };
}
