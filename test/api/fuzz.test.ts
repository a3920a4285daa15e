// 10,000 random and mutated URLs against a real server: every answer must be 2xx or 4xx with a JSON (or
// JSONP) failure body for 4xx, never a stack trace, and the server must still answer /healthz afterwards.
// Seeded (CANDLESTORE_FUZZ_SEED replays a run); 16 requests in flight over keep-alive connections.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from 'undici';
import { rng } from '../helpers/common.js';
import { get, servedRoot, type Fixture } from './helpers.js';

let fx: Fixture;
before(async () => {
  fx = await servedRoot(['EUR/USD'], '2026-07-14', '2026-07-17T09:00:00Z');
});
after(async () => {
  await fx.close();
});

const SEED = Number(process.env.CANDLESTORE_FUZZ_SEED ?? 20261203);
const VALID = [
  '/v1/candles/EUR-USD/1h?limit=50&indicators=sma(20),rsi(14)',
  '/v1/candles/EUR-USD/1m?after=2026-07-15&until=2026-07-16&format=csv',
  '/v1/candles/EUR-USD/5m?order=desc&offset=10&limit=5&subformat=3&indicators=macd(12,26,9),bbands_20_2',
  '/v1/symbols', '/v1/indicators', '/openapi.json', '/healthz',
  '/ohlcv/1.1/select/EUR-USD,1h[sma(20):rsi_14]:skiplast/after/2026.07.15,00:00:00/until/2026-07-16+12:00:00/output/JSON?limit=10',
  '/ohlcv/1.1/select/EUR-USD,15m/select/EUR-USD,1h[ema(9)]/output/JSONP?callback=cb&subformat=2',
  '/ohlcv/1.1/select/EUR-USD,1d/output/CSV/MT4?filename=x.csv',
  '/ohlcv/1.1/list/symbols/output/CSV', '/ohlcv/1.1/list/indicators/output/JSON',
];
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/?#[]@!$&\'()*+,;=%';
const PIECES = ['/', '..', '%2F', '%2e%2e', '%00', '%', '%zz', '[', ']', '(', ')', ':', ',', '?', '&', '=', 'select', 'after', 'until', 'output', 'JSON', 'CSV', 'MT4',
  'limit=', 'offset=-1', 'limit=1e9', 'order=x', 'subformat=9', 'callback=', 'indicators=', 'sma(', 'macd(1,2,3,4)', 'rsi(99999)', '9999-99-99', '1e308', '-1', 'EUR-USD', '1h', '\u00e9', '%ff%fe'];

function mutate(url: string, r: () => number): string {
  let s = url;
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(r() * (s.length + 1));
    const op = r();
    if (op < 0.3) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 5));
    else if (op < 0.6) s = s.slice(0, at) + PIECES[Math.floor(r() * PIECES.length)] + s.slice(at);
    else if (op < 0.8) s = s.slice(0, at) + ALPHABET[Math.floor(r() * ALPHABET.length)] + s.slice(at + 1);
    else s = s.slice(0, at) + s.slice(at).split('/').reverse().join('/');
  }
  return s;
}

function randomUrl(r: () => number): string {
  let s = '/';
  const len = Math.floor(r() * 80);
  for (let i = 0; i < len; i++) s += r() < 0.2 ? PIECES[Math.floor(r() * PIECES.length)] : ALPHABET[Math.floor(r() * ALPHABET.length)];
  return s;
}

/** Characters a client may put in a request target as they are; anything else goes percent-encoded. */
function wire(url: string): string {
  const s = url.startsWith('/') ? url : `/${url}`;
  return s.replace(/[^\x21-\x7e]|#/g, (ch) => encodeURIComponent(ch));
}

test('10,000 random and mutated URLs get only 2xx/4xx answers with clean bodies, and the server stays up', async () => {
  const r = rng(SEED);
  const urls: string[] = [];
  for (let i = 0; i < 10_000; i++) urls.push(wire(r() < 0.7 ? mutate(VALID[Math.floor(r() * VALID.length)], r) : randomUrl(r)));
  const pool = new Pool(fx.server.url, { connections: 16, pipelining: 1 });
  const counts = new Map<number, number>();
  const problems: string[] = [];
  let next = 0;
  const started = Date.now();
  async function worker() {
    while (next < urls.length) {
      const url = urls[next++];
      const res = await pool.request({ path: url, method: 'GET' });
      const text = await res.body.text();
      counts.set(res.statusCode, (counts.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode >= 500 || res.statusCode < 200) problems.push(`${res.statusCode} ${url}: ${text.slice(0, 200)}`);
      else if (/\n\s+at |node_modules|\.ts:\d+/.test(text) && res.statusCode >= 400) problems.push(`stack in ${url}: ${text.slice(0, 200)}`);
      else if (res.statusCode >= 400 && !/^(?:[\w$.]+\()?\{"status":"failure","exception":"/.test(text)) problems.push(`unexpected failure body ${res.statusCode} ${url}: ${text.slice(0, 200)}`);
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker));
  await pool.close();
  const seconds = (Date.now() - started) / 1000;
  assert.deepEqual(problems.slice(0, 10), [], `seed ${SEED}: ${problems.length} problems`);
  const ok = [...counts].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0);
  assert.ok(ok > 100, `some mutations stay valid (${ok} 2xx): the fuzzer reaches the query code`);
  assert.equal((await get(fx.server.url, '/healthz')).status, 200);
  assert.equal((await get(fx.server.url, '/v1/candles/EUR-USD/1h?limit=5')).json().result.length, 5);
  process.stderr.write(`fuzz: ${urls.length} URLs in ${seconds.toFixed(1)} s, statuses ${JSON.stringify(Object.fromEntries(counts))}\n`);
});
