// The directory layout under one root (DESIGN §1). Every stage asks this module where a file lives;
// nothing else builds data paths, so the layout can change in one place.
// Sides (dukascopy/series.ts): every method takes a series key. The BID series (a plain symbol) has the
// names it always had; the ASK series of the same symbol lives beside it with `.ASK` in its names: per-day
// files `SYMBOL_YYYYMMDD.ASK.json|bin` (the date stays right after the symbol, so one listing finds both
// sides of a day), stores `SYMBOL.ASK.bin`, `index/SYMBOL.ASK.idx`, `index/SYMBOL.ASK.def.json`,
// `SYMBOL.ASK.csv`, in the same folders as the BID files (docs/format.md, "Sides").
import { join } from 'node:path';
import { compactDay, formatDay } from './util/dates.js';
import { symbolFileName } from './dukascopy/symbolCode.js';
import { baseSymbol, sideOf, sideSuffix } from './dukascopy/series.js';

export class Layout {
  constructor(readonly root: string) {}

  get cacheDir(): string { return join(this.root, 'cache'); }
  get dataDir(): string { return join(this.root, 'data'); }
  get tempDir(): string { return join(this.root, 'data', 'temp'); }
  get locksDir(): string { return join(this.root, 'data', 'locks'); }
  get runLock(): string { return join(this.locksDir, 'run.lock'); }
  get transformDir(): string { return join(this.root, 'data', 'transform', '1m'); }
  get aggregateDir(): string { return join(this.root, 'data', 'aggregate', '1m'); }
  get resampleDir(): string { return join(this.root, 'data', 'resample'); }

  /** Instrument documents as the service sent them (download/instruments.ts): cache/instruments/ */
  get instrumentsDir(): string { return join(this.cacheDir, 'instruments'); }
  /** cache/instruments/SYMBOL.json */
  instrumentDocument(symbol: string): string { return join(this.instrumentsDir, `${symbolFileName(symbol)}.json`); }

  /** Raw JSON of a closed day: cache/YYYY/MM/SYMBOL_YYYYMMDD.json */
  cacheDay(symbol: string, day: number): string {
    return join(this.cacheDir, ...yearMonth(day), `${dayStem(symbol, day)}.json`);
  }
  /** Raw JSON of the live (current UTC) day: data/temp/SYMBOL_YYYYMMDD.json */
  liveDay(symbol: string, day: number): string {
    return join(this.tempDir, `${dayStem(symbol, day)}.json`);
  }
  /** 1m day file of a closed day: data/transform/1m/YYYY/MM/SYMBOL_YYYYMMDD.bin */
  transformDay(symbol: string, day: number): string {
    return join(this.transformDir, ...yearMonth(day), `${dayStem(symbol, day)}.bin`);
  }
  /** 1m day file of the live day: data/temp/SYMBOL_YYYYMMDD.bin */
  liveTransformDay(symbol: string, day: number): string {
    return join(this.tempDir, `${dayStem(symbol, day)}.bin`);
  }
  aggregateStore(symbol: string): string { return join(this.aggregateDir, `${symbolFileName(symbol)}.bin`); }
  aggregateCsv(symbol: string): string { return join(this.aggregateDir, `${symbolFileName(symbol)}.csv`); }
  aggregateIndex(symbol: string): string { return join(this.aggregateDir, 'index', `${symbolFileName(symbol)}.idx`); }
  /** The definition of a symbol's 1m day files and store (store/definition.ts). */
  aggregateDefinition(symbol: string): string { return join(this.aggregateDir, 'index', `${symbolFileName(symbol)}.def.json`); }
  resampleStore(tf: string, symbol: string): string { return join(this.resampleDir, tf, `${symbolFileName(symbol)}.bin`); }
  resampleDefinition(tf: string, symbol: string): string { return join(this.resampleDir, tf, 'index', `${symbolFileName(symbol)}.def.json`); }
  resampleIndex(tf: string, symbol: string): string { return join(this.resampleDir, tf, 'index', `${symbolFileName(symbol)}.idx`); }
}

function yearMonth(day: number): [string, string] {
  const iso = formatDay(day);
  return [iso.slice(0, 4), iso.slice(5, 7)];
}

/** `EUR-USD_20260105` (BID) or `EUR-USD_20260105.ASK`: the per-day file name before its extension. */
function dayStem(series: string, day: number): string {
  return `${symbolFileName(baseSymbol(series))}_${compactDay(day)}${sideSuffix(sideOf(series))}`;
}
