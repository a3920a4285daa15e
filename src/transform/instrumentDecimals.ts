// The instrument's price decimals, as the raw days say them: the decimals of the multiplier of the symbol's
// first day with candles (Dukascopy's multiplier is 10^-priceScale of the instrument document, see
// test/fixtures/dukascopy/instrument-*.json). An empty day says nothing about prices, so it never decides.
// Asked only while a symbol has no recorded definition: once known, the decimals are kept in the symbol's
// definition file and every later day must fit them. (When instrument documents are cached, issue 14,
// their priceScale is the better source and belongs here.)
import { readFileSync } from 'node:fs';
import { symbolFileName } from '../dukascopy/symbolCode.js';
import { parseDayJson } from '../dukascopy/dayJson.js';
import type { Layout } from '../paths.js';
import { listFlatDayFiles, listTreeDayFiles, type DayFileName } from '../util/dayFiles.js';
import { CorruptFileError } from '../errors.js';
import { multiplierDecimals } from './decode.js';

/** symbol → decimals, for those of `symbols` with a day that has candles (cache, then the live day). */
export async function instrumentDecimals(layout: Layout, symbols: readonly string[]): Promise<Map<string, number>> {
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
