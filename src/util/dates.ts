// Calendar days as UTC. A "day" is carried as its ISO string `YYYY-MM-DD` at interfaces and as epoch
// milliseconds of its 00:00 UTC inside loops; both are cheap to convert and unambiguous.

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parse `YYYY-MM-DD` to the epoch ms of that day's 00:00 UTC; throws on anything else. */
export function parseDay(text: string): number {
  const m = ISO_DAY.exec(text);
  if (!m) throw new RangeError(`not a date (want YYYY-MM-DD): ${JSON.stringify(text)}`);
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3]);
  if (formatDay(ms) !== text) throw new RangeError(`no such date: ${text}`);
  return ms;
}

/** Parse a day or a full ISO timestamp (`2026-07-10T12:30:00Z`) to epoch ms. */
export function parseInstant(text: string): number {
  if (ISO_DAY.test(text)) return parseDay(text);
  const ms = Date.parse(text);
  if (!Number.isFinite(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(text)) throw new RangeError(`not an ISO time: ${JSON.stringify(text)}`);
  return ms;
}

export function formatDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `20260710`: the compact form used in file names. */
export function compactDay(ms: number): string {
  return formatDay(ms).replaceAll('-', '');
}

export function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** Every day from `from` to `to` inclusive (both 00:00 UTC). */
export function* eachDay(from: number, to: number): Generator<number> {
  for (let d = startOfDay(from); d <= to; d += DAY_MS) yield d;
}

/** `2026-07-10 13:59` for messages; a value no Date can hold (a damaged ts) is shown as the number it is. */
export function isoMinute(ms: number): string {
  return validTime(ms) ? new Date(ms).toISOString().slice(0, 16).replace('T', ' ') : `${ms} (not a valid time)`;
}

/** Full ISO time for messages, as robust as isoMinute. */
export function isoTime(ms: number): string {
  return validTime(ms) ? new Date(ms).toISOString() : `${ms} (not a valid time)`;
}

function validTime(ms: number): boolean {
  return Number.isFinite(new Date(ms).getTime());
}
