// How Dukascopy spells a symbol: `EUR/USD` is `EUR-USD` in its URLs. The same code names every file of the
// symbol (cache, day files, stores), so a name valid in config (config/symbols.ts) is a safe path segment.

/** `EUR/USD` → `EUR-USD`: the Dukascopy URL form, also used in every file name. */
export function symbolFileName(symbol: string): string {
  return symbol.replace('/', '-');
}
