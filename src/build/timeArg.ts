// `--after` / `--until` values of `build` and `show`. Every form names an instant on the store's own time
// axis (UTC for UTC stores, broker time for shifted ones): `2026-03-05 10:00` is 10:00 as the store's bars
// are labelled, and a trailing `Z` does not convert anything. Other zone offsets are refused rather than
// guessed at, because a store carries one time basis and the flag would be silently wrong.
import { ConfigError } from '../errors.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z)?$/;
const EPOCH_MS = /^-?\d{1,15}$/;

export const TIME_FORMS = 'YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS], ISO 8601 with Z (2026-03-05T10:00:00Z) or epoch milliseconds';

/** Parse one time argument to epoch ms (store time basis); a ConfigError (exit 2) naming `option` otherwise. */
export function parseTimeArg(option: string, text: string): number {
  const bad = (why: string) => new ConfigError(`${option} ${JSON.stringify(text)}: ${why} (want ${TIME_FORMS})`, undefined, 'BAD_USAGE');
  const value = text.trim();
  if (EPOCH_MS.test(value)) return Number(value);
  const d = DATE.exec(value) ?? DATE_TIME.exec(value);
  if (!d) {
    if (/[+-]\d{2}:?\d{2}$/.test(value)) throw bad('a zone offset is not accepted: times are read in the store\'s own time basis');
    throw bad('not a time');
  }
  const [y, mo, da, h = '0', mi = '0', s = '0', ms = '0'] = d.slice(1).map((p) => p ?? undefined);
  const parts = [+y, +mo, +da, +h, +mi, +s, +ms.padEnd(3, '0')];
  const t = Date.UTC(parts[0], parts[1] - 1, parts[2], parts[3], parts[4], parts[5], parts[6]);
  const back = new Date(t);
  if (back.getUTCFullYear() !== parts[0] || back.getUTCMonth() !== parts[1] - 1 || back.getUTCDate() !== parts[2]
    || back.getUTCHours() !== parts[3] || back.getUTCMinutes() !== parts[4] || back.getUTCSeconds() !== parts[5]) {
    throw bad('no such date or time');
  }
  return t;
}

/** Both bounds, checked against each other: after < until when both are given. */
export function parseRange(after: string | undefined, until: string | undefined): { after?: number; until?: number } {
  const a = after === undefined ? undefined : parseTimeArg('--after', after);
  const u = until === undefined ? undefined : parseTimeArg('--until', until);
  if (a !== undefined && u !== undefined && a >= u) {
    throw new ConfigError(`--after ${after} is not before --until ${until} (after is inclusive, until exclusive: the range is empty)`, undefined, 'BAD_USAGE');
  }
  return { after: a, until: u };
}
