// `candlestore serve` over a real root built by the CLI against `sim`: every candle a response returns is
// compared with the store read by the independent test reader (test/helpers/independent.ts), both URL
// forms must give the same data, indicators must be warmed up exactly, and every failure must be a clean
// 4xx/5xx body that says what was wrong.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, openSync, readFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { Layout } from '../../src/paths.js';
import { startServer, type RunningServer } from '../../src/api/server.js';
import { findIndicator } from '../../src/indicators/registry.js';
import { ConfigError } from '../../src/errors.js';
import { readBin, type BinRecord } from '../helpers/independent.js';
import { spawnServe } from '../helpers/cli.js';
import { close9 } from '../indicators/series.js';
import { get, rawGet, servedRoot, type Fixture } from './helpers.js';

let fx: Fixture;
let base: string;
const NOW = '2026-07-21T12:34:30Z';

before(async () => {
  fx = await servedRoot(['EUR/USD', 'XAU/USD'], '2026-07-06', NOW);
  base = fx.server.url;
});
after(async () => {
  await fx.close();
});

/** The committed records of a store: the independent reader's records up to the index's out_pos. */
function store(id: string, tf: string): { records: BinRecord[] } {
  const dir = tf === '1m' ? join(fx.root, 'data/aggregate/1m') : join(fx.root, 'data/resample', tf);
  const outPos = Number(readFileSync(join(dir, 'index', `${id}.idx`)).readBigUInt64LE(24));
  return { records: readBin(join(dir, `${id}.bin`)).records.slice(0, (outPos - 64) / 64) };
}
const timeText = (ts: number) => new Date(ts).toISOString().slice(0, 19).replace('T', ' ');

function assertSameCandles(got: any[], want: BinRecord[], symbol: string, tf: string, where: string) {
  assert.equal(got.length, want.length, `${where}: ${got.length} rows, the store has ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    assert.deepEqual(
      [g.symbol, g.timeframe, g.time, g.open, g.high, g.low, g.close, g.volume, g.forming],
      [symbol, tf, timeText(w.ts), w.o, w.h, w.l, w.c, w.v, (w.flags & 1) === 1],
      `${where}: row ${i}`,
    );
  }
}

test('REST: 1m and 1h candles between after and until equal the store, in both orders, with offset and limit', async () => {
  for (const tf of ['1m', '1h', '1d']) {
    const all = store('EUR-USD', tf).records;
    const after = all[Math.floor(all.length / 4)].ts;
    const until = all[Math.floor((3 * all.length) / 4)].ts;
    const inRange = all.filter((r) => r.ts >= after && r.ts < until);
    const r = await get(base, `/v1/candles/EUR-USD/${tf}?after=${after}&until=${until}&limit=100000`);
    assert.equal(r.status, 200, r.text);
    assertSameCandles(r.json().result, inRange, 'EUR/USD', tf, `${tf} asc`);
    assert.equal(r.json().options.count, inRange.length);
    const d = await get(base, `/v1/candles/EUR-USD/${tf}?after=${after}&until=${until}&order=desc&offset=3&limit=7`);
    assertSameCandles(d.json().result, [...inRange].reverse().slice(3, 10), 'EUR/USD', tf, `${tf} desc`);
    const a = await get(base, `/v1/candles/EUR-USD/${tf}?after=${after}&offset=5&limit=4`);
    assertSameCandles(a.json().result, all.filter((x) => x.ts >= after).slice(5, 9), 'EUR/USD', tf, `${tf} offset`);
  }
  // Default limit is 1440 rows from the first bar; skiplast leaves out the last bar only while it is forming.
  const d = await get(base, '/v1/candles/EUR-USD/1m');
  assert.equal(d.json().result.length, 1440);
  const h = store('EUR-USD', '1h').records;
  const last = await get(base, '/v1/candles/EUR-USD/1h?order=desc&limit=1');
  assertSameCandles(last.json().result, [h[h.length - 1]], 'EUR/USD', '1h', 'last 1h bar');
  const skip = await get(base, '/v1/candles/EUR-USD/1h?order=desc&limit=1&skiplast=true');
  const expectLast = (h[h.length - 1].flags & 1) === 1 ? h[h.length - 2] : h[h.length - 1];
  assertSameCandles(skip.json().result, [expectLast], 'EUR/USD', '1h', 'skiplast');
});

test('path form and REST form give the same data; several selects merge by time, symbol, timeframe', async () => {
  const pairs: [string, string][] = [
    ['/ohlcv/1.1/select/EUR-USD,1h/after/2026.07.10,00:00:00/until/2026-07-15+00:00:00/output/JSON?limit=500',
      '/v1/candles/EUR-USD/1h?after=2026-07-10T00:00:00Z&until=2026-07-15&limit=500'],
    ['/ohlcv/1.1/select/XAU-USD,5m[sma(20):macd_12_26_9:bbands(20,2.5)]/after/2026-07-14/output/JSON?limit=300&order=desc',
      '/v1/candles/XAU-USD/5m?after=2026-07-14&indicators=sma_20,macd(12,26,9),bbands(20,2.5)&limit=300&order=desc'],
    ['/ohlcv/1.1/select/EUR-USD,15m[rsi]/output/JSON?subformat=3&limit=50&offset=10',
      '/v1/candles/EUR-USD/15m?indicators=rsi(14)&subformat=3&limit=50&offset=10'],
  ];
  for (const [path, rest] of pairs) {
    const a = await get(base, path);
    const b = await get(base, rest);
    assert.equal(a.status, 200, a.text);
    assert.equal(b.status, 200, b.text);
    assert.deepEqual(a.json().result, b.json().result, path);
    assert.ok(a.json().options.count > 0);
  }
  const m = await get(base, '/ohlcv/1.1/select/XAU-USD,1h/select/EUR-USD,1h/select/EUR-USD,4h/after/2026-07-13/until/2026-07-15/output/JSON?limit=100000');
  const want = [
    ...store('EUR-USD', '1h').records.map((r) => ({ r, s: 'EUR/USD', tf: '1h', rank: 0 })),
    ...store('EUR-USD', '4h').records.map((r) => ({ r, s: 'EUR/USD', tf: '4h', rank: 1 })),
    ...store('XAU-USD', '1h').records.map((r) => ({ r, s: 'XAU/USD', tf: '1h', rank: 2 })),
  ].filter(({ r }) => r.ts >= Date.UTC(2026, 6, 13) && r.ts < Date.UTC(2026, 6, 15)).sort((x, y) => x.r.ts - y.r.ts || x.rank - y.rank);
  const got = m.json().result;
  assert.equal(got.length, want.length);
  got.forEach((g: any, i: number) => assertSameCandles([g], [want[i].r], want[i].s, want[i].tf, `merged row ${i}`));
  const md = await get(base, '/ohlcv/1.1/select/XAU-USD,1h/select/EUR-USD,1h/select/EUR-USD,4h/after/2026-07-13/until/2026-07-15/output/JSON?limit=9&offset=2&order=desc');
  assert.deepEqual(md.json().result, [...got].reverse().slice(2, 11));
});

test('indicators are warmed up exactly: the first returned rows equal a whole-history computation', async () => {
  const all = store('EUR-USD', '1m').records;
  const bars = {
    length: all.length,
    ts: Float64Array.from(all, (r) => r.ts), open: Float64Array.from(all, (r) => r.o), high: Float64Array.from(all, (r) => r.h),
    low: Float64Array.from(all, (r) => r.l), close: Float64Array.from(all, (r) => r.c), volume: Float64Array.from(all, (r) => r.v),
  };
  const start = Math.floor(all.length * 0.6);
  const specs = ['ema(50)', 'rsi(14)', 'macd(12,26,9)', 'obv', 'psar(0.02,0.2)', 'vwap', 'pivot', 'adx(14)', 'ichimoku(9,26,52)'];
  const r = await get(base, `/v1/candles/EUR-USD/1m?after=${all[start].ts}&limit=200&indicators=${specs.join(',')}&subformat=3`);
  assert.equal(r.status, 200, r.text);
  const cols = r.json().result;
  assert.deepEqual(cols.time, all.slice(start, start + 200).map((x) => x.ts));
  for (const text of specs) {
    const name = text.replace(/\(.*/, '');
    const params = /\((.*)\)/.exec(text)?.[1].split(',').map(Number) ?? [];
    const def = findIndicator(name)!;
    const whole = def.compute(bars, params);
    const key = [name, ...params].join('_');
    def.outputs.forEach((out, o) => {
      const column = def.outputs.length === 1 ? key : `${key}__${out}`;
      assert.ok(Array.isArray(cols[column]), `column ${column}`);
      for (let i = 0; i < 200; i++) {
        const want = whole[o][start + i];
        assert.ok(close9(cols[column][i] ?? NaN, want), `${column} row ${i}: ${cols[column][i]} vs whole history ${want}`);
      }
    });
  }
});

test('output shapes: subformats 2, 3, 4, CSV, MT4 and JSONP carry the same rows', async () => {
  const q = 'after=2026-07-14&limit=30&indicators=sma(5),macd';
  const one = (await get(base, `/v1/candles/EUR-USD/30m?${q}`)).json().result;
  const two = (await get(base, `/v1/candles/EUR-USD/30m?${q}&subformat=2`)).json().result;
  const three = (await get(base, `/v1/candles/EUR-USD/30m?${q}&subformat=3`)).json().result;
  const four = await get(base, `/v1/candles/EUR-USD/30m?${q}&format=ndjson`);
  assert.match(String(four.headers['content-type']), /ndjson/);
  const lines = four.text.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines, one);
  assert.deepEqual(two.columns, ['symbol', 'timeframe', 'time', 'open', 'high', 'low', 'close', 'volume', 'forming', 'sma_5', 'macd_12_26_9__macd', 'macd_12_26_9__signal', 'macd_12_26_9__hist']);
  one.forEach((rec: any, i: number) => {
    const row = two.values[i];
    assert.equal(timeText(row[2]), rec.time);
    assert.deepEqual(row.slice(3, 9), [rec.open, rec.high, rec.low, rec.close, rec.volume, rec.forming]);
    assert.deepEqual(row.slice(9), [rec.indicators.sma_5, rec.indicators.macd_12_26_9.macd, rec.indicators.macd_12_26_9.signal, rec.indicators.macd_12_26_9.hist]);
    assert.equal(three.time[i], row[2]);
    assert.equal(three.macd_12_26_9__hist[i], rec.indicators.macd_12_26_9.hist);
  });
  const csv = await get(base, `/v1/candles/EUR-USD/30m?${q}&format=csv&filename=eur.csv`);
  assert.equal(csv.headers['content-disposition'], 'attachment; filename="eur.csv"');
  const rows = csv.text.trimEnd().split('\n');
  assert.equal(rows[0], 'symbol,timeframe,time,open,high,low,close,volume,forming,sma_5,macd_12_26_9__macd,macd_12_26_9__signal,macd_12_26_9__hist');
  rows.slice(1).forEach((line, i) => {
    const f = line.split(',');
    assert.equal(f[2], one[i].time);
    assert.equal(f[3], one[i].open.toFixed(5));
    assert.equal(Number(f[6]), one[i].close);
    assert.equal(Number(f[7]), one[i].volume);
    assert.equal(Number(f[9]), one[i].indicators.sma_5);
  });
  const mt4 = await get(base, '/ohlcv/1.1/select/EUR-USD,1h/after/2026-07-14/output/CSV/MT4?limit=3');
  const h = store('EUR-USD', '1h').records.filter((r) => r.ts >= Date.UTC(2026, 6, 14)).slice(0, 3);
  assert.deepEqual(mt4.text.trimEnd().split('\n'), h.map((r) => {
    const t = new Date(r.ts).toISOString();
    return `${t.slice(0, 4)}.${t.slice(5, 7)}.${t.slice(8, 10)},${t.slice(11, 16)},${r.o.toFixed(5)},${r.h.toFixed(5)},${r.l.toFixed(5)},${r.c.toFixed(5)},${r.v}`;
  }));
  const jsonp = await get(base, '/ohlcv/1.1/select/EUR-USD,1h/output/JSONP?callback=app.take&limit=2');
  assert.match(String(jsonp.headers['content-type']), /javascript/);
  const m = /^app\.take\((.*)\);$/s.exec(jsonp.text);
  assert.ok(m, jsonp.text.slice(0, 80));
  assert.equal(JSON.parse(m[1]).result.length, 2);
});

test('errors: 400 naming what was wrong (JSONP-wrapped when asked), 404 for unknown routes, no stack traces', async () => {
  const cases: [string, number, RegExp][] = [
    ['/v1/candles/EUR-USD/1h?indicators=smaa(3)', 400, /unknown indicator "smaa"/],
    ['/v1/candles/EUR-USD/1h?indicators=sma(0)', 400, /sma: parameter period must be between 1 and 10000, got 0/],
    ['/v1/candles/NOPE-USD/1h', 400, /unknown symbol NOPE-USD/],
    ['/v1/candles/EUR-USD/7m', 400, /unknown timeframe 7m for EUR-USD/],
    ['/v1/candles/eur-usd/1h', 400, /bad symbol "eur-usd"/],
    ['/v1/candles/EUR-USD/1h?after=2026-02-30', 400, /after: "2026-02-30" is not a calendar date/],
    ['/v1/candles/EUR-USD/1h?after=yesterday', 400, /after: "yesterday" is not a time/],
    ['/v1/candles/EUR-USD/1h?after=2026-07-10&until=2026-07-10', 400, /after .* must be before until/],
    ['/v1/candles/EUR-USD/1h?limit=100001', 400, /limit: Too big/],
    ['/v1/candles/EUR-USD/1h?order=sideways', 400, /order: /],
    ['/v1/candles/EUR-USD/1h?format=xml', 400, /format: /],
    ['/v1/candles/EUR-USD/1h?callback=alert(1)', 400, /callback: /],
    ['/ohlcv/1.1/select/EUR-USD,1h/output/XML', 400, /output "XML": expected JSON, JSONP or CSV/],
    ['/ohlcv/1.1/select/EUR-USD/output/JSON', 400, /bad select "EUR-USD"/],
    ['/ohlcv/1.1/select/EUR-USD,1h/after/2026-07-10', 400, /missing output/],
    ['/ohlcv/1.1/select/EUR-USD,1h/sideways/x/output/JSON', 400, /unexpected path segment "sideways"/],
    ['/ohlcv/1.1/select/EUR-USD,1h/output/JSON/MT4', 400, /MT4 applies to CSV output only/],
    ['/ohlcv/1.1/select/EUR-USD,1h%2F..%2F..%2Fetc/output/JSON', 400, /encoded slash/],
    ['/ohlcv/1.1/select/EUR-USD,1h/%2e%2e/output/JSON', 400, /dot segment/],
    ['/ohlcv/1.1/select/EUR-USD%00,1h/output/JSON', 400, /NUL/],
    ['/ohlcv/1.1/../../etc/passwd', 400, /dot segment/],
    ['/v1/nothing', 404, /no route GET \/v1\/nothing/],
    ['/ohlcv/1.0/select/EUR-USD,1h/output/JSON', 404, /no route/],
  ];
  for (const [path, status, msg] of cases) {
    const r = await rawGet(base, path);
    assert.equal(r.status, status, `${path}: ${r.text}`);
    const body = r.json();
    assert.equal(body.status, 'failure', path);
    assert.match(body.exception, msg, path);
    assert.doesNotMatch(r.text, /\n\s+at |\.ts:\d+|node_modules/, `${path}: no stack trace`);
  }
  const wrapped = await get(base, '/ohlcv/1.1/select/EUR-USD,1h[nope]/output/JSONP?callback=cb');
  assert.equal(wrapped.status, 400);
  assert.match(wrapped.text, /^cb\(\{"status":"failure","exception":"unknown indicator \\"nope\\".*\}\);$/);
});

test('symbols, indicators, OpenAPI document and docs page', async () => {
  const s = (await get(base, '/v1/symbols')).json().result;
  assert.deepEqual(s.map((x: any) => x.id), ['EUR-USD', 'XAU-USD']);
  const eur = s[0];
  assert.equal(eur.symbol, 'EUR/USD');
  assert.equal(eur.decimals, 5);
  assert.deepEqual(eur.timeframes.map((t: any) => t.timeframe), ['1m', '5m', '15m', '30m', '1h', '4h', '1d', '1W', '1M', '1Y']);
  for (const t of eur.timeframes) {
    const recs = store('EUR-USD', t.timeframe).records;
    assert.deepEqual([t.rows, t.first, t.last], [recs.length, recs[0]?.ts ?? null, recs.at(-1)?.ts ?? null], t.timeframe);
  }
  const list = await get(base, '/ohlcv/1.1/list/symbols/output/JSON');
  assert.deepEqual(list.json().result, s);
  const ind = (await get(base, '/v1/indicators')).json().result;
  assert.ok(ind.length >= 35);
  const macd = ind.find((i: any) => i.name === 'macd');
  assert.deepEqual(macd.params.map((p: any) => [p.name, p.default, p.min]), [['fast', 12, 1], ['slow', 26, 1], ['signal', 9, 1]]);
  assert.deepEqual(macd.outputs, ['macd', 'signal', 'hist']);
  assert.equal(typeof macd.warmup_default, 'number');
  assert.equal(ind.find((i: any) => i.name === 'obv').warmup_default, null);
  assert.deepEqual((await get(base, '/ohlcv/1.1/list/indicators/output/JSON')).json().result, ind);
  const doc = (await get(base, '/openapi.json')).json();
  assert.equal(doc.openapi, '3.1.0');
  assert.ok(doc.paths['/v1/candles/{symbol}/{tf}'].get.parameters.some((p: any) => p.name === 'indicators'));
  assert.ok(doc.paths['/v1/symbols'] && doc.paths['/v1/indicators'] && doc.paths['/healthz']);
  const docs = await get(base, '/docs');
  assert.equal(docs.status, 200);
  assert.match(docs.text, /\/v1\/candles\/\{symbol\}\/\{tf\}/);
});

test('a damaged store answers 500 naming it, and the server keeps serving the others', async (t) => {
  const copy = `${fx.root}-damaged`;
  cpSync(fx.root, copy, { recursive: true });
  t.after(() => import('node:fs').then((fs) => fs.rmSync(copy, { recursive: true, force: true })));
  const fd = openSync(join(copy, 'data/resample/1h/XAU-USD.bin'), 'r+');
  writeSync(fd, Buffer.from('XX'), 0, 2, 0); // magic
  closeSync(fd);
  const logs: string[] = [];
  const srv = await startServer({ layout: new Layout(copy), listen: '127.0.0.1:0', log: (l) => logs.push(l) });
  t.after(() => srv.close());
  const bad = await get(srv.url, '/v1/candles/XAU-USD/1h');
  assert.equal(bad.status, 500);
  assert.match(bad.json().exception, /store data\/resample\/1h\/XAU-USD\.bin cannot be read: not a candlestore file/);
  assert.doesNotMatch(bad.text, /\n\s+at /);
  assert.ok(logs.some((l) => l.includes('XAU-USD.bin')), 'logged');
  assert.equal((await get(srv.url, '/v1/candles/XAU-USD/4h?limit=3')).status, 200);
  assert.equal((await get(srv.url, '/v1/candles/EUR-USD/1h?limit=3')).status, 200);
  assert.equal((await get(srv.url, '/healthz')).status, 200);
});

test('bearer token: required when configured (not for /healthz); non-loopback without a token is refused', async (t) => {
  const token = 'a-long-enough-test-token';
  const srv = await startServer({ layout: new Layout(fx.root), listen: '127.0.0.1:0', token, log: () => {} });
  t.after(() => srv.close());
  const no = await get(srv.url, '/v1/symbols');
  assert.equal(no.status, 401);
  assert.equal(no.headers['www-authenticate'], 'Bearer');
  assert.equal((await get(srv.url, '/v1/symbols', { authorization: 'Bearer wrong-token-of-same-len' })).status, 401);
  assert.equal((await get(srv.url, '/v1/symbols', { authorization: `Bearer ${token}` })).status, 200);
  assert.equal((await get(srv.url, '/healthz')).status, 200);
  await assert.rejects(startServer({ layout: new Layout(fx.root), listen: '0.0.0.0:0', log: () => {} }), (e: unknown) => e instanceof ConfigError && /needs http\.token .* --insecure/.test(e.message));
});

test('the CLI serves, logs one line per request with --verbose, and stops gracefully on SIGTERM', async () => {
  const serve = await spawnServe(['--root', fx.root, '--listen', '127.0.0.1:0', '--verbose']);
  const url = serve.base;
  assert.equal((await get(url, '/healthz')).status, 200);
  assert.equal((await get(url, '/v1/candles/EUR-USD/1d?limit=2')).status, 200);
  const code = await serve.stop();
  const err = serve.stderr();
  assert.equal(code, 0, err);
  assert.match(err, /GET \/healthz 200/);
  assert.match(err, /GET \/v1\/candles\/EUR-USD\/1d\?limit=2 200/);
  assert.match(err, /stopped/);
});
