// Times in queries. All times are on the store's clock (the `ts` of the records: UTC plus the symbol's
// time shift), written as the seed's project wrote them or as ISO 8601 or epoch milliseconds:
//   2025.11.22,13:59:59   2025-11-22+13:59:59   2025-11-22T13:59:59Z   2025-11-22   1763819999000
// An explicit UTC offset other than Z is refused: the store has no zone to convert it to.
import { ApiError } from '../errors.js';

const SEED = /^(\d{4})\.(\d{2})\.(\d{2})(?:,(\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T+ ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z)?$/;
const ISO_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?[+-]\d{2}:?\d{2}$/;
const EPOCH = /^-?\d{1,15}$/;

/** Epoch ms of a query time; ApiError 400 naming the parameter and the accepted forms otherwise. */
export function parseQueryTime(text: string, what: string): number {
  if (EPOCH.test(text)) return Number(text);
  const m = SEED.exec(text) ?? ISO.exec(text);
  if (m) {
    const [y, mo, d, h = '0', mi = '0', s = '0', ms = '0'] = m.slice(1).map((v) => v ?? undefined);
    const t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(ms.padEnd(3, '0')));
    const back = new Date(t);
    if (back.getUTCFullYear() === Number(y) && back.getUTCMonth() === Number(mo) - 1 && back.getUTCDate() === Number(d)
      && Number(h) < 24 && Number(mi) < 60 && Number(s) < 60) return t;
    throw new ApiError(400, 'BAD_QUERY', `${what}: ${JSON.stringify(text)} is not a calendar date and time`);
  }
  if (ISO_OFFSET.test(text)) {
    throw new ApiError(400, 'BAD_QUERY', `${what}: ${JSON.stringify(text)} has a UTC offset; times are on the store's clock, write them without one (or with Z)`);
  }
  throw new ApiError(400, 'BAD_QUERY', `${what}: ${JSON.stringify(text)} is not a time (use 2025.11.22,13:59:59, 2025-11-22+13:59:59, ISO 8601 or epoch ms)`);
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

const DAY_MS = 86_400_000;
const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
// Rows come in time order, so consecutive rows share their day: its text is computed once.
let cachedDay = NaN;
let cachedDayText = '';

/** `YYYY-MM-DD HH:MM:SS` of a store-clock ms (no zone: it is the store's clock). */
export function formatTime(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    const d = new Date(day * DAY_MS);
    cachedDayText = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} `;
    cachedDay = day;
  }
  const sec = Math.floor((ms - day * DAY_MS) / 1000);
  return `${cachedDayText}${TWO[Math.floor(sec / 3600)]}:${TWO[Math.floor(sec / 60) % 60]}:${TWO[sec % 60]}`;
}

/** MT4 history CSV date and time fields: `YYYY.MM.DD,HH:MM`. */
export function formatMt4Time(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}.${pad(d.getUTCMonth() + 1)}.${pad(d.getUTCDate())},${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}
