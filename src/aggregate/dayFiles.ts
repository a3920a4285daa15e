// Finding a symbol's 1m day files: closed days under data/transform/1m/YYYY/MM/SYMBOL_YYYYMMDD.bin and the
// live day under data/temp/SYMBOL_YYYYMMDD.bin. Dates are carried as YYYYMMDD numbers, as in the index.
import { sep } from 'node:path';
import { symbolFileName } from '../dukascopy/symbolCode.js';
import type { Layout } from '../paths.js';
import { compactDay } from '../util/dates.js';
import { dayFilePrefix, listFlatDayFiles, listTreeDayFiles } from '../util/dayFiles.js';

export interface DayFile {
  /** YYYYMMDD */
  date: number;
  file: string;
  /** True for the live (still growing) day file in data/temp. */
  live: boolean;
}

/** Epoch ms of 00:00 UTC of a YYYYMMDD date. */
export function dateToMs(date: number): number {
  return Date.UTC(Math.floor(date / 10000), (Math.floor(date / 100) % 100) - 1, date % 100);
}

/**
 * Day files of `symbol` dated on or after `fromDate` (YYYYMMDD; 0 = all), sorted by date. When a day has
 * both a closed and a live file (the live one not yet removed), the closed file wins.
 */
export async function listDayFiles(layout: Layout, symbol: string, fromDate: number): Promise<DayFile[]> {
  return (await listDayFilesOf(layout, [{ symbol, fromDate }])).get(symbol)!;
}

/**
 * listDayFiles for many symbols from one walk of the folders (a stage lists once for all its symbols, not
 * once per symbol): the transform tree from the earliest `fromDate`, and data/temp.
 */
export async function listDayFilesOf(layout: Layout, wanted: readonly { symbol: string; fromDate: number }[]): Promise<Map<string, DayFile[]>> {
  const byCode = new Map<string, { symbol: string; fromDay: number | undefined; byDate: Map<number, DayFile> }>();
  for (const { symbol, fromDate } of wanted) {
    byCode.set(symbolFileName(symbol), { symbol, fromDay: fromDate > 0 ? dateToMs(fromDate) : undefined, byDate: new Map() });
  }
  const starts = [...byCode.values()].map((w) => w.fromDay);
  const fromDay = starts.length > 0 && starts.every((d) => d !== undefined) ? Math.min(...(starts as number[])) : undefined;
  // Only files where the layout puts them: a misplaced copy is not a day of this store.
  for (const f of await listFlatDayFiles(layout.tempDir, 'bin')) {
    const w = byCode.get(f.code);
    if (w && f.path === layout.liveTransformDay(w.symbol, f.day) && (w.fromDay === undefined || f.day >= w.fromDay)) {
      w.byDate.set(f.day, { date: yyyymmdd(f.day), file: f.path, live: true });
    }
  }
  const prefix = byCode.size === 1 ? dayFilePrefix([...byCode.keys()][0]) : undefined;
  for (const f of await listTreeDayFiles(layout.transformDir, 'bin', { fromDay, prefix })) {
    const w = byCode.get(f.code);
    if (w && inItsMonthFolder(f.path) && (w.fromDay === undefined || f.day >= w.fromDay)) {
      w.byDate.set(f.day, { date: nameDate(f.path), file: f.path, live: false });
    }
  }
  return new Map([...byCode.values()].map((w) => [w.symbol, [...w.byDate.values()].sort((a, b) => a.date - b.date)]));
}

/**
 * `f.path === layout.transformDay(symbol, f.day)` for a file the tree walker found (BASE/YYYY/MM/name, its
 * name parsed as CODE_YYYYMMDD.bin with a valid date and CODE the symbol's): true when the folder's YYYY/MM
 * are the name's. String slices instead of formatting the expected path (18,000 files in a cold run).
 */
function inItsMonthFolder(path: string): boolean {
  const nameAt = path.lastIndexOf(sep) + 1;
  const digits = nameDigits(path);
  return path.slice(nameAt - 8, nameAt) === `${digits.slice(0, 4)}${sep}${digits.slice(4, 6)}${sep}`;
}

/** YYYYMMDD of a day file the walker parsed (CODE_YYYYMMDD[.ASK].bin, a valid date): the digits of its name. */
function nameDate(path: string): number {
  return Number(nameDigits(path));
}

/** The 8 date digits after the last `_` (a code never contains `_`; the ASK side's `.ASK` follows them). */
function nameDigits(path: string): string {
  const at = path.lastIndexOf('_') + 1;
  return path.slice(at, at + 8);
}

function yyyymmdd(day: number): number {
  return Number(compactDay(day));
}
