// The page's only door to the data: the REST form of the candlestore API (/v1/…), read with relative URLs so
// the page also works behind a reverse proxy under a sub-path. Candles come as subformat 3 (one array per
// column, time in epoch ms), the cheapest shape to turn into chart series. Requests carry the bearer token
// when the server wants one (auth.js).
import { authFetch } from './auth.js';

/** An API failure: `message` is the server's own `exception` text when it sent one. */
export class ApiFailure extends Error {
  constructor(message, status, url) {
    super(message);
    this.name = 'ApiFailure';
    this.status = status;
    this.url = url;
  }
}

async function getJson(url) {
  const res = await authFetch(url, { headers: { accept: 'application/json' } });
  let body;
  try {
    body = await res.json();
  } catch {
    throw new ApiFailure(`${url}: HTTP ${res.status}, not JSON`, res.status, url);
  }
  if (!res.ok || body.status !== 'ok') throw new ApiFailure(body.exception ?? `${url}: HTTP ${res.status}`, res.status, url);
  return body.result;
}

/** [{symbol:'EUR/USD', id:'EUR-USD', decimals, timeframes:[{timeframe, rows, first, last}]}] */
export const getSymbols = () => getJson('v1/symbols');

/** [{name, title, description, params:[{name, default, min, max, integer}], outputs, overlay, warmup}] */
export const getIndicators = () => getJson('v1/indicators');

/**
 * The REST URL of a candle query, relative to the page. `opts`: after / until (epoch ms; after inclusive,
 * until exclusive), limit, order, indicators (spec texts such as `sma(20)`), and any extra parameters.
 */
export function candlesUrl(id, tf, opts = {}) {
  const q = [];
  const add = (k, v) => q.push(`${k}=${encodeQueryValue(String(v))}`);
  if (opts.after !== undefined) add('after', isoTime(opts.after));
  if (opts.until !== undefined) add('until', isoTime(opts.until));
  if (opts.limit !== undefined) add('limit', opts.limit);
  if (opts.order && opts.order !== 'asc') add('order', opts.order);
  if (opts.indicators && opts.indicators.length) add('indicators', opts.indicators.join(','));
  for (const [k, v] of Object.entries(opts.extra ?? {})) add(k, v);
  return `v1/candles/${encodeURIComponent(id)}/${encodeURIComponent(tf)}${q.length ? `?${q.join('&')}` : ''}`;
}

/** Query values keep `( ) , :` readable (they are legal in a query string and carry the indicator syntax). */
export function encodeQueryValue(text) {
  return encodeURIComponent(text).replace(/%2C/g, ',').replace(/%3A/g, ':');
}

/** `2026-07-20T10:00:00Z` (seconds only when not zero-free; milliseconds only when present). */
export function isoTime(ms) {
  const iso = new Date(ms).toISOString();
  if (iso.endsWith(':00.000Z')) return `${iso.slice(0, 16)}Z`;
  if (iso.endsWith('.000Z')) return `${iso.slice(0, 19)}Z`;
  return iso;
}

/**
 * Candles as columns, oldest first whatever the order asked: {time, open, high, low, close, volume, forming,
 * cols: Map(indicator column → values with null where undefined)}.
 */
export async function getCandles(id, tf, opts) {
  const result = await getJson(candlesUrl(id, tf, { ...opts, extra: { ...opts.extra, subformat: 3 } }));
  const base = new Set(['symbol', 'timeframe', 'time', 'open', 'high', 'low', 'close', 'volume', 'forming']);
  const desc = opts.order === 'desc';
  const col = (name) => (desc ? [...result[name]].reverse() : result[name]);
  const cols = new Map();
  for (const name of Object.keys(result)) if (!base.has(name)) cols.set(name, col(name));
  return {
    time: col('time'), open: col('open'), high: col('high'), low: col('low'), close: col('close'),
    volume: col('volume'), forming: col('forming'), cols,
  };
}
