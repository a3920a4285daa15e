// How Dukascopy spells a symbol: `EUR/USD` is `EUR-USD` in its URLs. The same code names every file of the
// symbol (cache, day files, stores), so a name valid in config (config/symbols.ts) is a safe path segment.
// A series key (dukascopy/series.ts) names its files the same way with its side after it: `EUR/USD:ASK` →
// `EUR-USD.ASK` (the BID series keeps the plain symbol code).

/** `EUR/USD` → `EUR-USD`: the Dukascopy URL form, also used in every file name. `EUR/USD:ASK` → `EUR-USD.ASK`. */
export function symbolFileName(symbol: string): string {
  return symbol.replace('/', '-').replace(':', '.');
}
