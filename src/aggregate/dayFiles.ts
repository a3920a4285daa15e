// Finding a symbol's 1m day files: closed days under data/transform/1m/YYYY/MM/SYMBOL_YYYYMMDD.bin and the
// live day under data/temp/SYMBOL_YYYYMMDD.bin. Dates are carried as YYYYMMDD numbers, as in the index.
import { join } from 'node:path';
import { symbolFileName } from '../config/symbols.js';
import type { Layout } from '../paths.js';
import { compactDay } from '../util/dates.js';
import { listFlatDayFiles, listTreeDayFiles } from '../util/dayFiles.js';

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
  const prefix = `${symbolFileName(symbol)}_`;
  const fromDay = fromDate > 0 ? dateToMs(fromDate) : undefined;
  const byDate = new Map<number, DayFile>();
  // Only files where the layout puts them: a misplaced copy is not a day of this store.
  for (const f of await listFlatDayFiles(layout.tempDir, 'bin')) {
    if (f.path.startsWith(join(layout.tempDir, prefix)) && f.path === layout.liveTransformDay(symbol, f.day) && (fromDay === undefined || f.day >= fromDay)) {
      byDate.set(f.day, { date: yyyymmdd(f.day), file: f.path, live: true });
    }
  }
  for (const f of await listTreeDayFiles(layout.transformDir, 'bin', { fromDay, prefix })) {
    if (f.path === layout.transformDay(symbol, f.day) && (fromDay === undefined || f.day >= fromDay)) {
      byDate.set(f.day, { date: yyyymmdd(f.day), file: f.path, live: false });
    }
  }
  return [...byDate.values()].sort((a, b) => a.date - b.date);
}

function yyyymmdd(day: number): number {
  return Number(compactDay(day));
}
