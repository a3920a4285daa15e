// An independent reading of an instrument document's trading time, minute by minute (shares no code with
// src/dukascopy/schedule.ts): the minute's wall clock in the document's zone comes from Intl, each listed
// session is compared on wall-clock numbers ("as if UTC"), holidays are UTC instants.
const WEEKDAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];
const DAY = 86_400_000;

export interface DocLike {
  defaultTimezone: string;
  holidays: { from: number; till: number }[];
  tradeSchedule: { from: number; to: number | null; sessions: Record<string, { start: string; previousDayStart: boolean; end: string; previousDayEnd: boolean }[] | undefined> }[];
  histories: { period: string; from: number }[];
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock time of `t` in `zone`, as ms "as if UTC". */
export function wallClock(zone: string, t: number): number {
  let f = formats.get(zone);
  if (!f) formats.set(zone, (f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' })));
  const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
  return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute);
}

const clock = (s: string) => (+s.slice(0, 2) * 60 + +s.slice(3, 5)) * 60_000;

/** Whether the minute starting at `t` (UTC ms) is trading time of `doc`. */
export function tradesAt(doc: DocLike, t: number): boolean {
  if (doc.holidays.some((h) => t >= h.from && t < h.till)) return false;
  if (t < doc.histories.find((h) => h.period === 'MINUTE')!.from) return false;
  const wall = wallClock(doc.defaultTimezone, t);
  const today = Math.floor(wall / DAY) * DAY;
  // A session listed under date D may start on D − 1 and end on D + 1 (end ≤ start): look at D − 1 … D + 1.
  for (let date = today - DAY; date <= today + DAY; date += DAY) {
    const name = WEEKDAYS[new Date(date).getUTCDay()];
    for (const entry of doc.tradeSchedule) {
      for (const s of entry.sessions[name] ?? []) {
        const start = date - (s.previousDayStart ? DAY : 0) + clock(s.start);
        let end = date - (s.previousDayEnd ? DAY : 0) + clock(s.end);
        if (end <= start) end += DAY;
        if (wall >= start && wall < end) return true;
      }
    }
  }
  return false;
}
