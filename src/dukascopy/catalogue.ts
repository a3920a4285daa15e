// The instrument names candlestore knows without asking the service: the real service has no listing, only
// one document per code (`/v1/instruments/{CODE}`), so — like dukascopy-node, which ships its list — the
// catalogue is built in. It serves `candlestore instruments` (which then reads each one's document) and the
// "did you mean" of a misspelled symbol. It never decides whether a name exists: the service does, per code
// (a name missing here but answered there is a valid symbol; its cached document joins the catalogue).
// `sim` serves exactly these (test/download/instruments.test.ts checks it).
export const KNOWN_INSTRUMENTS: readonly string[] = Object.freeze([
  'EUR/USD', 'GBP/USD', 'USD/JPY', 'AUD/USD', 'USD/CHF', 'USD/CAD', 'NZD/USD', 'EUR/GBP', 'EUR/JPY', 'XAU/USD',
  'XAG/USD', 'BRENT.CMD/USD', 'LIGHT.CMD/USD', 'USA500.IDX/USD', 'DEU.IDX/EUR', 'AUS.IDX/AUD', 'JPN.IDX/JPY',
  'GBR.IDX/GBP', 'BTC/USD', 'ETH/USD', 'EUR/CHF', 'EUR/AUD', 'EUR/CAD', 'EUR/NZD', 'GBP/JPY', 'GBP/CHF', 'GBP/AUD',
  'AUD/JPY', 'AUD/NZD', 'AUD/CAD', 'CAD/JPY', 'CHF/JPY', 'NZD/JPY', 'USD/TRY', 'USD/ZAR', 'USD/MXN', 'USD/SGD',
  'USD/HKD', 'USD/NOK', 'USD/SEK', 'USD/PLN', 'EUR/TRY', 'USD/CNH', 'GAS.CMD/USD', 'COPPER.CMD/USD', 'XPT.CMD/USD',
  'COCOA.CMD/USD', 'SUGAR.CMD/USD', 'USATECH.IDX/USD', 'USA30.IDX/USD', 'FRA.IDX/EUR', 'EUS.IDX/EUR', 'ESP.IDX/EUR',
  'CHE.IDX/CHF', 'HKG.IDX/HKD', 'LTC/USD', 'BCH/USD', 'SOL/USD', 'ADA/USD',
]);

/** Levenshtein distance (insertions, deletions, substitutions), case-insensitive, `/` and `-` ignored. */
export function editDistance(a: string, b: string): number {
  const x = normalise(a);
  const y = normalise(b);
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[y.length];
}

function normalise(s: string): string {
  return s.toUpperCase().replace(/[/-]/g, '');
}

/** Up to `max` names of `catalogue` nearest to `name` (edit distance ≤ half its length, then by name). */
export function nearestNames(name: string, catalogue: readonly string[], max = 3): string[] {
  const limit = Math.max(2, Math.ceil(normalise(name).length / 2));
  return catalogue
    .map((c) => ({ c, d: editDistance(name, c) }))
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d || (a.c < b.c ? -1 : a.c > b.c ? 1 : 0))
    .slice(0, max)
    .map((x) => x.c);
}
