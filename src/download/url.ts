// Dukascopy candle URLs (DESIGN §3). Past day: {base}/v1/candles/minute/{CODE}/BID/{Y}/{M}/{D} with 1-based,
// unpadded month and day; live (current UTC) day: {base}/v1/candles/minute/{CODE}/BID. CODE is the symbol's
// file name form (EUR/USD → EUR-USD). Every path segment is percent-encoded.
// A series key (dukascopy/series.ts) asks its side's endpoint: `EUR/USD:ASK` → …/minute/EUR-USD/ASK/….
import { symbolFileName } from '../dukascopy/symbolCode.js';
import { baseSymbol, sideOf } from '../dukascopy/series.js';

function liveBase(baseUrl: string, series: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/v1/candles/minute/${encodeURIComponent(symbolFileName(baseSymbol(series)))}/${sideOf(series)}`;
}

/** URL of one closed UTC day (`day` = epoch ms of its 00:00 UTC). */
export function dayUrl(baseUrl: string, symbol: string, day: number): string {
  const d = new Date(day);
  const parts = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()].map((n) => encodeURIComponent(String(n)));
  return `${liveBase(baseUrl, symbol)}/${parts.join('/')}`;
}

/** URL of the live (current UTC) day. */
export function liveUrl(baseUrl: string, symbol: string): string {
  return liveBase(baseUrl, symbol);
}
