// Timeframe rules (`5m`, `4h`, `1d`, `1W`, `1M`, `1Y`), which rule may be built from which, and the default
// cascade. Pure data and arithmetic, no I/O: config validation, the resampler and verify all ask here.
// Trade-off: only rules whose buckets nest exactly in their source's buckets are accepted, so every bar of a
// cascade is an exact fold of whole source bars (no bar is ever split between two targets).

/** Intraday: N minutes (≤ 1 day), aligned to the day or session origin. Calendar: session date, ISO week, month, year. */
export type Rule = { kind: 'intraday'; minutes: number } | { kind: 'calendar'; unit: CalendarUnit };
export type CalendarUnit = 'd' | 'W' | 'M' | 'Y';

/** The aggregate store's timeframe: the root of every cascade, not a resampled timeframe. */
export const BASE_TIMEFRAME = '1m';
export const BASE_RULE: Rule = { kind: 'intraday', minutes: 1 };
export const MAX_INTRADAY_MINUTES = 1440;

export const RULE_SYNTAX = 'expected Nm or Nh (at most 24h), 1d, 1W (Monday-based week), 1M (calendar month) or 1Y (calendar year)';

/** The rule of `text`, or undefined when it is not one. */
export function parseRule(text: string): Rule | undefined {
  if (text === '1d' || text === '1W' || text === '1M' || text === '1Y') return { kind: 'calendar', unit: text[1] as CalendarUnit };
  const m = /^([1-9][0-9]{0,4})([mh])$/.exec(text);
  if (!m) return undefined;
  const minutes = Number(m[1]) * (m[2] === 'h' ? 60 : 1);
  return minutes <= MAX_INTRADAY_MINUTES ? { kind: 'intraday', minutes } : undefined;
}

export function ruleText(rule: Rule): string {
  if (rule.kind === 'calendar') return `1${rule.unit}`;
  return rule.minutes % 60 === 0 ? `${rule.minutes / 60}h` : `${rule.minutes}m`;
}

/**
 * True when every bucket of `source` lies inside one bucket of `target`: intraday N from intraday M when
 * M divides N (both grids restart at each day or session range start and end at its end); any calendar
 * rule from any intraday rule; 1W/1M/1Y from 1d; 1Y from 1M; a rule from itself. Not: 1M or 1Y from 1W
 * (weeks straddle months), intraday from calendar.
 */
export function ruleNests(target: Rule, source: Rule): boolean {
  if (source.kind === 'intraday') return target.kind === 'calendar' || target.minutes % source.minutes === 0;
  if (target.kind === 'intraday') return false;
  switch (source.unit) {
    case 'd': return true;
    case 'W': return target.unit === 'W';
    case 'M': return target.unit === 'M' || target.unit === 'Y';
    case 'Y': return target.unit === 'Y';
  }
}

export interface TimeframeDef {
  name: string;
  rule: string;
  source: string;
  origin?: 'session';
  label?: 'left';
  closed?: 'left';
}

/** DESIGN §6: 5m←1m, 15m←5m, 30m←15m, 1h←30m, 4h←1h, 1d←4h, 1W←1d, 1M←1d, 1Y←1M. */
export const DEFAULT_CASCADE: readonly TimeframeDef[] = Object.freeze([
  { name: '5m', rule: '5m', source: '1m' },
  { name: '15m', rule: '15m', source: '5m' },
  { name: '30m', rule: '30m', source: '15m' },
  { name: '1h', rule: '1h', source: '30m' },
  { name: '4h', rule: '4h', source: '1h' },
  { name: '1d', rule: '1d', source: '4h' },
  { name: '1W', rule: '1W', source: '1d' },
  { name: '1M', rule: '1M', source: '1d' },
  { name: '1Y', rule: '1Y', source: '1M' },
].map((tf) => Object.freeze(tf)));

/** Timeframe names become directory names and the 8-byte header field: short, ASCII, no separators. */
export const TIMEFRAME_NAME = /^[0-9A-Za-z]{1,7}$/;
