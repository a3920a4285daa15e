// Find per-day files laid out as BASE/YYYY/MM/CODE_YYYYMMDD.EXT (the cache and transform trees) or flat
// in one folder (data/temp). One readdir per month folder, shared by all symbols.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDay } from './dates.js';

/** A per-day file found by its name (not the aggregate stage's aggregate/dayFiles.ts DayFile). */
export interface DayFileName {
  /** Symbol code as in file names (`EUR-USD`). */
  code: string;
  /** Epoch ms of 00:00 UTC of the day in the name. */
  day: number;
  path: string;
}

// CODE_YYYYMMDD.ext, or CODE_YYYYMMDD.ASK.ext for the ASK side (paths.ts): the code of an ASK file is the
// series' code `EUR-USD.ASK` (symbolFileName of its key), so code-keyed lookups tell the sides apart.
const NAME_RE = /^(.+)_(\d{4})(\d{2})(\d{2})(\.ASK)?\.([a-z]+)$/;

/** The name prefix shared by a series' per-day files (`EUR-USD.ASK` → `EUR-USD_`): both sides of a symbol. */
export function dayFilePrefix(code: string): string {
  return `${code.endsWith('.ASK') ? code.slice(0, -4) : code}_`;
}

/** A per-day file name parsed, or undefined (not `CODE_YYYYMMDD[.ASK].ext`, or no such date). */
export function parseDayFileName(name: string, ext: string): { code: string; day: number } | undefined {
  const m = NAME_RE.exec(name);
  if (!m || m[6] !== ext) return undefined;
  try {
    return { code: m[1] + (m[5] ?? ''), day: parseDay(`${m[2]}-${m[3]}-${m[4]}`) };
  } catch {
    return undefined;
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

function parseName(dir: string, name: string, ext: string): DayFileName | undefined {
  const f = parseDayFileName(name, ext);
  return f && { code: f.code, day: f.day, path: join(dir, name) };
}

const TEMP_RE = /^\..+\.tmp$/;

export interface TreeListOptions {
  /** Skip month folders before this day's month (epoch ms; incremental runs only look at recent months). */
  fromDay?: number;
  /** Only names starting with this prefix (one symbol's files, both sides: `EUR-USD_`, see dayFilePrefix). */
  prefix?: string;
  /** Temp files a killed writer left (see util/fsx tempNameFor) are passed here. */
  onTemp?: (path: string) => void;
}

/** Day files under `base/YYYY/MM/` with extension `ext`, sorted by code then day. */
export async function listTreeDayFiles(base: string, ext: string, opts: TreeListOptions = {}): Promise<DayFileName[]> {
  const out: DayFileName[] = [];
  const from = opts.fromDay === undefined ? '' : new Date(opts.fromDay).toISOString().slice(0, 7); // YYYY-MM
  for (const year of (await listDir(base)).filter((y) => /^\d{4}$/.test(y)).sort()) {
    if (year < from.slice(0, 4)) continue;
    for (const month of (await listDir(join(base, year))).filter((m) => /^\d{2}$/.test(m)).sort()) {
      if (`${year}-${month}` < from) continue;
      const dir = join(base, year, month);
      for (const name of await listDir(dir)) {
        if (opts.prefix !== undefined && !name.startsWith(opts.prefix)) {
          if (opts.onTemp && TEMP_RE.test(name)) opts.onTemp(join(dir, name));
          continue;
        }
        const f = parseName(dir, name, ext);
        if (f) out.push(f);
        else if (opts.onTemp && TEMP_RE.test(name)) opts.onTemp(join(dir, name));
      }
    }
  }
  return out.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : a.day - b.day));
}

/** Day files directly in `dir` with extension `ext`. */
export async function listFlatDayFiles(dir: string, ext: string): Promise<DayFileName[]> {
  const out: DayFileName[] = [];
  for (const name of await listDir(dir)) {
    const f = parseName(dir, name, ext);
    if (f) out.push(f);
  }
  return out.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : a.day - b.day));
}
