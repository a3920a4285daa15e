// `sessions.<pattern>: auto`: the session of each matching symbol taken from its instrument document's
// trading schedule (dukascopy/instrument.ts), in the document's time zone. FX (MONDAY … FRIDAY from 17:00 of
// the previous day to 17:00, New York) becomes `{timezone: America/New_York, ranges: [{from: "17:00",
// to: "17:00", weekdays: [1, 2, 3, 4, 5]}]}`: a range that wraps midnight and belongs to the session date it
// ends on, so Sunday 17:00 New York opens Monday's daily bar. Resolved once per command, after the documents
// are loaded (pipeline/instruments.ts), into a plain session under the symbol's own key: the definition
// sidecars record what `auto` became, so a changed schedule is detected like any changed session setting.
import { ConfigError } from '../errors.js';
import { WEEKDAY_NAMES, type InstrumentDocument, type ScheduleSession } from '../dukascopy/instrument.js';
import { formatDay } from '../util/dates.js';
import type { Config } from './schema.js';
import { matchingPatterns } from './symbolSettings.js';

type Session = Exclude<NonNullable<Config['sessions'][string]>, 'auto'>;
type Range = Session['ranges'][number];

/** `config` with every symbol whose most specific session pattern says `auto` given its resolved session. */
export function resolveAutoSessions(config: Config, symbols: readonly string[], docs: ReadonlyMap<string, InstrumentDocument>): Config {
  if (!Object.values(config.sessions).includes('auto')) return config;
  const sessions = { ...config.sessions };
  for (const symbol of symbols) {
    const matching = matchingPatterns(config.sessions, symbol);
    if (matching.length === 0) continue;
    const [pattern, s] = matching[matching.length - 1];
    if (s !== 'auto') continue;
    const doc = docs.get(symbol);
    if (!doc) throw new ConfigError(`sessions."${pattern}": auto needs the instrument document of ${symbol} (cache/instruments), and there is none: run once with downloads`);
    sessions[symbol] = sessionFromSchedule(doc, `sessions."${pattern}": auto for ${symbol}`);
  }
  return { ...config, sessions };
}

/** The session config equivalent to a document's trading schedule. */
export function sessionFromSchedule(doc: InstrumentDocument, where: string): Session {
  // Sessions of the same shape on several weekdays become one range with those weekdays.
  const ranges = new Map<string, Range & { weekdays: number[] }>();
  for (const entry of doc.tradeSchedule) {
    WEEKDAY_NAMES.forEach((name, index) => {
      for (const s of entry.sessions[name] ?? []) {
        const { from, to, weekday } = rangeOf(s, index + 1, where);
        const range: Range = { from, to };
        // Schedules that change over time: each entry's range holds on the dates it covers.
        if (entry.from > 86_400_000) range.from_date = formatDay(entry.from);
        if (entry.to !== null) range.to_date = formatDay(entry.to - 1);
        const key = JSON.stringify(range);
        const r = ranges.get(key) ?? { ...range, weekdays: [] };
        if (!r.weekdays.includes(weekday)) r.weekdays.push(weekday);
        ranges.set(key, r);
      }
    });
  }
  if (ranges.size === 0) throw new ConfigError(`${where}: the instrument's trading schedule has no session`);
  const list = [...ranges.values()].map((r) => {
    r.weekdays.sort((a, b) => a - b);
    const { weekdays, ...rest } = r;
    return weekdays.length === 7 ? rest : { ...rest, weekdays };
  });
  return { timezone: doc.defaultTimezone, ranges: list as Range[] };
}

/** One schedule session as a session range on ISO weekday `weekday` (1 = Monday) or the day before it. */
function rangeOf(s: ScheduleSession, weekday: number, where: string): { from: string; to: string; weekday: number } {
  const start = hhmm(s.start, where);
  const end = hhmm(s.end, where);
  const previous = weekday === 1 ? 7 : weekday - 1;
  if (s.previousDayStart && s.previousDayEnd) return { from: start, to: end === '00:00' ? '24:00' : end, weekday: previous };
  if (s.previousDayEnd) throw new ConfigError(`${where}: a session ending the day before it starts (${JSON.stringify(s)})`);
  if (!s.previousDayStart) {
    if (end !== '00:00' && end <= start) throw new ConfigError(`${where}: a session from ${start} to ${end} on one day`);
    return { from: start, to: end === '00:00' ? '24:00' : end, weekday };
  }
  // Starts the day before: ends at midnight (a whole day of the previous date), or wraps midnight.
  if (end === '00:00') return { from: start, to: '24:00', weekday: previous };
  if (start < end) throw new ConfigError(`${where}: a session longer than a day (${s.start} the day before to ${s.end})`);
  return { from: start, to: end, weekday };
}

function hhmm(clock: string, where: string): string {
  if (!clock.endsWith(':00')) throw new ConfigError(`${where}: session time ${clock} is not a whole minute`);
  return clock.slice(0, 5);
}
