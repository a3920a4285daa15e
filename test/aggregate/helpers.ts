// Aggregate test fixtures: a root with N realistic closed day files and optionally a live day, plus
// readers for the resulting store/CSV/index bytes.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { maskGeneration } from '../helpers/common.js';
import { Layout } from '../../src/paths.js';
import type { Candle } from '../../src/store/format.js';
import { DAY, dayCandles, dayFileBytes, writeDay } from '../store/helpers.js';

export const SYMBOL = 'EUR/USD';

export interface Day {
  day: number;
  candles: Candle[];
  bytes: Buffer;
  file: string;
}

/** Write `n` closed days starting at `first` (00:00 UTC ms). Weekend days are header-only files. */
export async function writeClosedDays(layout: Layout, first: number, n: number, symbol = SYMBOL): Promise<Day[]> {
  const out: Day[] = [];
  for (let i = 0; i < n; i++) {
    const day = first + i * DAY;
    const candles = dayCandles(day);
    const bytes = dayFileBytes(symbol, candles);
    out.push({ day, candles, bytes, file: await writeDay(layout, symbol, day, bytes) });
  }
  return out;
}

/** The live day cut at `toMinute` (its prefix is stable as it grows: same seed). */
export async function writeLiveDay(layout: Layout, day: number, toMinute: number, symbol = SYMBOL): Promise<Day> {
  const candles = dayCandles(day, { toMinute });
  const bytes = dayFileBytes(symbol, candles);
  return { day, candles, bytes, file: await writeDay(layout, symbol, day, bytes, true) };
}

export async function storeFiles(layout: Layout, symbol = SYMBOL): Promise<{ store: Buffer; csv: Buffer | undefined; index: Buffer; generation: number }> {
  const csv = await readFile(layout.aggregateCsv(symbol)).catch(() => undefined);
  const store = await readFile(layout.aggregateStore(symbol));
  const index = await readFile(layout.aggregateIndex(symbol));
  // The pair must carry one generation; the comparisons of runs look past its (random) value.
  assert.equal(store.readUInt32LE(48), index.readUInt32LE(56), `${layout.aggregateStore(symbol)}: generation of store and index`);
  assert.notEqual(store.readUInt32LE(48), 0, 'a store has a non-zero generation');
  return { store: maskGeneration('s.bin', store), csv, index: maskGeneration('s.idx', index), generation: store.readUInt32LE(48) };
}
