// Gaps measured against the instrument's trading calendar (its document's schedule minus holidays,
// dukascopy/schedule.ts): a run of more than `gapMinutes` trading minutes without a record. Weekends,
// nights of an exchange, a lunch break and holidays are not trading time, so they are never gaps; a
// trading hour missing at the start or the end of a day is. The store's times are shifted (time_shift), the
// calendar is UTC: each missing run is taken back to UTC with the store's own shift rule and reported in
// store time, one gap per trading session it falls in.
import type { ShiftRule } from '../config/symbolSettings.js';
import type { InstrumentDocument } from '../dukascopy/instrument.js';
import { tradingIntervals } from '../dukascopy/schedule.js';
import { MINUTE_MS, formatDay, isoMinute } from '../util/dates.js';
import { isDst } from '../util/tz.js';

/** What verify needs to tell a gap from a closed market. */
export interface TradingCalendar {
  doc: InstrumentDocument;
  /** The shift the store was built with (its definition). */
  shift: ShiftRule;
}

function shiftAt(rule: ShiftRule, utc: number): number {
  if (rule.kind === 'fixed') return rule.fixedMs;
  return isDst(rule.zone!, utc) ? rule.dstMs! : rule.stdMs!;
}

function toUtc(rule: ShiftRule, storeTs: number): number {
  if (rule.kind === 'fixed') return storeTs - rule.fixedMs;
  const guess = storeTs - shiftAt(rule, storeTs - rule.stdMs!);
  return storeTs - shiftAt(rule, guess);
}

/**
 * The gaps between two consecutive records (store times `prevTs` < `ts`): every run of more than
 * `gapMinutes` trading minutes strictly between them, as (store day, first and last missing minute, count).
 */
export function tradingGapsBetween(
  calendar: TradingCalendar, prevTs: number, ts: number, gapMinutes: number,
  emit: (day: string, from: string, to: string, minutes: number) => void,
): void {
  const from = toUtc(calendar.shift, prevTs) + MINUTE_MS;
  const to = toUtc(calendar.shift, ts);
  if (to - from <= gapMinutes * MINUTE_MS) return;
  const iv = tradingIntervals(calendar.doc, from, to);
  for (let i = 0; i < iv.length; i += 2) {
    const minutes = Math.floor((iv[i + 1] - iv[i]) / MINUTE_MS);
    if (minutes <= gapMinutes) continue;
    const first = iv[i] + shiftAt(calendar.shift, iv[i]);
    const lastUtc = iv[i + 1] - MINUTE_MS;
    const last = lastUtc + shiftAt(calendar.shift, lastUtc);
    emit(formatDay(first), isoMinute(first).slice(11), isoMinute(last).slice(11), minutes);
  }
}
