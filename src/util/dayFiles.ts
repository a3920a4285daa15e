// Find per-day files laid out as BASE/YYYY/MM/CODE_YYYYMMDD.EXT (the cache and transform trees) or flat
// in one folder (data/temp). One readdir per month folder, shared by all symbols.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDay } from './dates.js';

export interface DayFile {
  code: string;
  day: number;
  path: string;
}

const NAME_RE = /^(.+)_(\d{4})(\d{2})(\d{2})\.([a-z]+)$/;

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

function parseName(dir: string, name: string, ext: string): DayFile | undefined {
  const m = NAME_RE.exec(name);
  if (!m || m[5] !== ext) return undefined;
  try {
    return { code: m[1], day: parseDay(`${m[2]}-${m[3]}-${m[4]}`), path: join(dir, name) };
  } catch {
    return undefined;
  }
}

const TEMP_RE = /^\..+\.tmp$/;

/**
 * All day files under `base/YYYY/MM/` with extension `ext`, sorted by code then day. Temp files that a
 * killed writer left (see util/fsx tempNameFor) are passed to `onTemp` when given.
 */
export async function listTreeDayFiles(base: string, ext: string, onTemp?: (path: string) => void): Promise<DayFile[]> {
  const out: DayFile[] = [];
  for (const year of (await listDir(base)).filter((y) => /^\d{4}$/.test(y)).sort()) {
    for (const month of (await listDir(join(base, year))).filter((m) => /^\d{2}$/.test(m)).sort()) {
      const dir = join(base, year, month);
      for (const name of await listDir(dir)) {
        const f = parseName(dir, name, ext);
        if (f) out.push(f);
        else if (onTemp && TEMP_RE.test(name)) onTemp(join(dir, name));
      }
    }
  }
  return out.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : a.day - b.day));
}

/** Day files directly in `dir` with extension `ext`. */
export async function listFlatDayFiles(dir: string, ext: string): Promise<DayFile[]> {
  const out: DayFile[] = [];
  for (const name of await listDir(dir)) {
    const f = parseName(dir, name, ext);
    if (f) out.push(f);
  }
  return out.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : a.day - b.day));
}
