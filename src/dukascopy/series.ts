// A series is one side of one symbol's market: `EUR/USD` (BID, the side every root has) or `EUR/USD:ASK`.
// The series key is what flows through the per-symbol code of every stage (download, transform, aggregate,
// resample, verify) in place of a symbol, so the ASK side is built by exactly the same code as the BID side:
//   - files: the key's file-name form is `EUR-USD` (BID, unchanged) or `EUR-USD.ASK` (symbolFileName);
//     per-day files put the side after the date (`EUR-USD_20260105.ASK.json`, paths.ts);
//   - the `.bin` header's symbol field holds the key, so a store says which side it is (an ASK store is
//     never read as BID: readers and stages compare the header's symbol with the key they expect);
//   - config lookups (`transform.symbols`, `sessions`, `resample.symbols`, `sides`) match the symbol part
//     (config/symbolSettings.ts strips the side), so both sides of a symbol share its settings;
//   - URLs ask the side's endpoint (`…/minute/EUR-USD/ASK/…`, download/url.ts).
// `:` cannot occur in a symbol name (config/symbols.ts), so a key is never mistaken for a symbol; symbol
// names whose last part ends in `.ASK` or `.BID` are refused so that `EUR-USD.ASK` files are never ambiguous.

export type Side = 'BID' | 'ASK';
export const SIDES: readonly Side[] = Object.freeze(['BID', 'ASK']);
const SEPARATOR = ':';

/** `EUR/USD` for BID (every BID name and file stays as it was before sides existed), `EUR/USD:ASK` for ASK. */
export function seriesKey(symbol: string, side: Side): string {
  return side === 'BID' ? symbol : `${symbol}${SEPARATOR}${side}`;
}

/** The side of a series key (a plain symbol is its BID series). */
export function sideOf(key: string): Side {
  const at = key.indexOf(SEPARATOR);
  return at < 0 ? 'BID' : (key.slice(at + 1) as Side);
}

/** The symbol of a series key (`EUR/USD:ASK` → `EUR/USD`). */
export function baseSymbol(key: string): string {
  const at = key.indexOf(SEPARATOR);
  return at < 0 ? key : key.slice(0, at);
}

/** What file names add for a side: nothing for BID, `.ASK` for ASK. */
export function sideSuffix(side: Side): string {
  return side === 'BID' ? '' : `.${side}`;
}

/** `bid`/`BID`/`ask`/`ASK` → the side; undefined for anything else. */
export function parseSide(text: string): Side | undefined {
  const up = text.toUpperCase();
  return (SIDES as readonly string[]).includes(up) ? (up as Side) : undefined;
}

/** Header symbol field → {symbol, side} (`EUR/USD:ASK` → EUR/USD, ASK). */
export function splitSeries(key: string): { symbol: string; side: Side } {
  return { symbol: baseSymbol(key), side: sideOf(key) };
}
