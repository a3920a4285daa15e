// Finding a symbol's 1m day files: closed days under data/transform/1m/YYYY/MM/SYMBOL_YYYYMMDD.bin and the
// live day under data/temp/SYMBOL_YYYYMMDD.bin. Dates are carried as YYYYMMDD numbers, as in the index.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { symbolFileName } from '../config/symbols.js';
import type { Layout } from '../paths.js';

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
  const name = new RegExp(`^${escapeRegExp(symbolFileName(symbol))}_(\\d{8})\\.bin$`);
  const byDate = new Map<number, DayFile>();
  for (const file of await listLive(layout, symbol, name)) if (file.date >= fromDate) byDate.set(file.date, file);
  const fromYear = Math.floor(fromDate / 10000);
  const fromMonth = Math.floor(fromDate / 100) % 100;
  for (const year of await subdirs(layout.transformDir, /^\d{4}$/)) {
    if (+year < fromYear) continue;
    const yearDir = join(layout.transformDir, year);
    for (const month of await subdirs(yearDir, /^\d{2}$/)) {
      if (+year === fromYear && +month < fromMonth) continue;
      for (const entry of await names(join(yearDir, month))) {
        const m = name.exec(entry);
        if (!m) continue;
        const date = +m[1];
        const file = join(yearDir, month, entry);
        // Only files where the layout puts them: a misplaced copy is not a day of this store.
        if (date < fromDate || file !== layout.transformDay(symbol, dateToMs(date))) continue;
        byDate.set(date, { date, file, live: false });
      }
    }
  }
  return [...byDate.values()].sort((a, b) => a.date - b.date);
}

async function listLive(layout: Layout, symbol: string, name: RegExp): Promise<DayFile[]> {
  const out: DayFile[] = [];
  for (const entry of await names(layout.tempDir)) {
    const m = name.exec(entry);
    if (!m) continue;
    const date = +m[1];
    const file = join(layout.tempDir, entry);
    if (file === layout.liveTransformDay(symbol, dateToMs(date))) out.push({ date, file, live: true });
  }
  return out;
}

async function subdirs(dir: string, pattern: RegExp): Promise<string[]> {
  return (await names(dir)).filter((n) => pattern.test(n));
}

async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
