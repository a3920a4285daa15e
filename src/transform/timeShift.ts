// Time shift for broker/MT4 alignment: a fixed offset, or one chosen per candle from a zone's DST state
// (MT4 Dukascopy: GMT+3 while New York observes DST, else GMT+2). The DST state is resolved for each
// candle's own instant, so a switch inside a day lands on the right minute.
import type { ShiftRule } from '../config/symbolSettings.js';
import { DAY_MS } from '../util/dates.js';
import { findSwitchMinute, isDst } from '../util/tz.js';

/** UTC candle time (ms) → shift to add (ms). */
export type ShiftFn = (utcMs: number) => number;

/** Build the shift function for one UTC day (resolves the zone once per day, not per candle). */
export function shiftForDay(rule: ShiftRule, day: number): ShiftFn {
  if (rule.kind === 'fixed') {
    const fixed = rule.fixedMs;
    return () => fixed;
  }
  const zone = rule.zone!;
  const dstMs = rule.dstMs!;
  const stdMs = rule.stdMs!;
  const dstAtStart = isDst(zone, day);
  const switchAt = findSwitchMinute(day, day + DAY_MS, (t) => isDst(zone, t));
  const before = dstAtStart ? dstMs : stdMs;
  if (switchAt === undefined) return () => before;
  const after = dstAtStart ? stdMs : dstMs;
  return (t) => (t < switchAt ? before : after);
}
