// The instrument's price decimals: the `priceScale` of its instrument document (cache/instruments/CODE.json,
// download/instruments.ts). Only without a cached document (offline, a cache copied from elsewhere) are they
// read from the raw days, as the decimals of the multiplier of the symbol's first day with candles
// (Dukascopy's multiplier is 10^-priceScale); an empty day says nothing about prices, so it never decides.
// Asked only while a symbol has no recorded definition: once known, the decimals are kept in the symbol's
// definition file. Days must fit them (transform/decode.ts, fit 'scale'): a day on a coarser grid than the
// scale (multiplier 1e-3 under priceScale 5) is rescaled exactly, a finer one (1e-6) would need rounding and
// is refused, naming round_decimals as the way to choose.
import { readFileSync } from 'node:fs';
import { symbolFileName } from '../dukascopy/symbolCode.js';
import { parseDayJson } from '../dukascopy/dayJson.js';
import { readCachedInstrument } from '../download/instruments.js';
import { baseSymbol } from '../dukascopy/series.js';
import type { Layout } from '../paths.js';
import { listFlatDayFiles, listTreeDayFiles, type DayFileName } from '../util/dayFiles.js';
import { CorruptFileError } from '../errors.js';
import { multiplierDecimals } from './decode.js';

export interface InstrumentDecimals {
  decimals: number;
  /** Where they came from, for the definition's notes and messages. */
  source: 'priceScale' | 'multiplier';
}

/** symbol → decimals, for those of `symbols` with a cached document or a day that has candles. */
export async function instrumentDecimalsWithSource(layout: Layout, symbols: readonly string[]): Promise<Map<string, InstrumentDecimals>> {
  const out = new Map<string, InstrumentDecimals>();
  const rest: string[] = [];
  for (const symbol of symbols) {
    // Both sides of a symbol have its one document (a series key `EUR/USD:ASK` names the side too).
    const cached = await readCachedInstrument(layout, baseSymbol(symbol));
    if (cached) out.set(symbol, { decimals: cached.doc.priceScale, source: 'priceScale' });
    else rest.push(symbol);
  }
  for (const [symbol, decimals] of await decimalsFromDays(layout, rest)) out.set(symbol, { decimals, source: 'multiplier' });
  return out;
}

/** symbol → decimals (see instrumentDecimalsWithSource). */
export async function instrumentDecimals(layout: Layout, symbols: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const [symbol, d] of await instrumentDecimalsWithSource(layout, symbols)) out.set(symbol, d.decimals);
  return out;
}

/** The multiplier decimals of each symbol's first day with candles (cache, then the live day). */
async function decimalsFromDays(layout: Layout, symbols: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (symbols.length === 0) return out;
  const byCode = new Map(symbols.map((s) => [symbolFileName(s), s]));
  const days = new Map<string, DayFileName[]>();
  const take = (f: DayFileName) => {
    if (!byCode.has(f.code)) return;
    if (!days.has(f.code)) days.set(f.code, []);
    days.get(f.code)!.push(f);
  };
  (await listTreeDayFiles(layout.cacheDir, 'json')).forEach(take);
  (await listFlatDayFiles(layout.tempDir, 'json')).forEach(take);
  for (const [code, files] of days) {
    for (const f of files) {
      const doc = parseDayJson(readFileSync(f.path, 'latin1'), f.path, 'Transform');
      if (doc.times.length === 0) continue;
      const k = multiplierDecimals(doc.multiplier);
      if (k === undefined) throw new CorruptFileError('Transform', f.path, `multiplier ${doc.multiplier} is not a power of ten`, undefined, 'BAD_CANDLE');
      out.set(byCode.get(code)!, k);
      break;
    }
  }
  return out;
}
