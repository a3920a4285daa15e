import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DownloadClient, parseRetryAfter, type DownloadOptions } from '../../src/download/client.js';
import { RateLimiter } from '../../src/download/rateLimiter.js';
import { dayUrl, liveUrl } from '../../src/download/url.js';
import { CancelledError, DownloadError } from '../../src/errors.js';
import { encodeDay, startServer, syntheticDay, type Fault, type TestServer } from './helpers.js';

const DAY10 = Date.UTC(2026, 6, 10);
const PATH10 = '/v1/candles/minute/EUR-USD/BID/2026/7/10';
let server: TestServer;

before(async () => {
  server = await startServer(Date.UTC(2026, 6, 15, 12, 30, 30));
});
after(async () => {
  await server.close();
});

function client(over: Partial<DownloadOptions> = {}): DownloadClient {
  const opts: DownloadOptions = { baseUrl: server.url, rateLimitRps: 1000, concurrency: 2, timeoutMs: 2000, maxRetries: 3, backoffMs: 5, backoffMaxMs: 2000, ...over };
  return new DownloadClient(opts, new RateLimiter(opts.rateLimitRps));
}

function reset(): void {
  server.log.length = 0;
  server.script.clear();
  server.always = undefined;
}

test('urls: 1-based unpadded month/day, symbol with / → -, live without date', () => {
  assert.equal(dayUrl('http://h:1/', 'EUR/USD', DAY10), 'http://h:1/v1/candles/minute/EUR-USD/BID/2026/7/10');
  assert.equal(dayUrl('https://jetta.dukascopy.com', 'AUS.IDX/AUD', Date.UTC(2025, 0, 5)), 'https://jetta.dukascopy.com/v1/candles/minute/AUS.IDX-AUD/BID/2025/1/5');
  assert.equal(liveUrl('http://h', 'BTC/USD'), 'http://h/v1/candles/minute/BTC-USD/BID');
  assert.equal(dayUrl('http://h', 'A B/C', DAY10), 'http://h/v1/candles/minute/A%20B-C/BID/2026/7/10');
});

test('parseRetryAfter: seconds and HTTP date', () => {
  assert.equal(parseRetryAfter('2'), 2000);
  assert.equal(parseRetryAfter(undefined), undefined);
  assert.equal(parseRetryAfter('soon'), undefined);
  const now = Date.UTC(2026, 6, 15, 12, 0, 0);
  assert.equal(parseRetryAfter(new Date(now + 3000).toUTCString(), now), 3000);
  assert.equal(parseRetryAfter(new Date(now - 3000).toUTCString(), now), 0);
});

const retried: Array<[string, Fault]> = [
  ['503', { kind: 'status', status: 503 }],
  ['500', { kind: 'status', status: 500 }],
  ['400 (transient on the real service)', { kind: 'status', status: 400 }],
  ['truncated body', { kind: 'truncated' }],
  ['invalid JSON', { kind: 'badjson' }],
  ['arrays of unequal length', { kind: 'badshape' }],
];
for (const [name, fault] of retried) {
  test(`retries after ${name}, then returns the valid body`, async () => {
    reset();
    server.fault(PATH10, fault, fault);
    const c = client();
    const got = await c.fetchDay({ symbol: 'EUR/USD', day: DAY10, live: false });
    await c.close();
    assert.equal(got.text, encodeDay(syntheticDay('EUR-USD', DAY10), DAY10));
    assert.equal(got.doc.times.length, syntheticDay('EUR-USD', DAY10).length);
    assert.equal(server.count(), 3);
    assert.equal(c.stats.requests, 3);
    assert.equal(c.stats.retries, 2);
    assert.equal(c.stats.bytes, Buffer.byteLength(got.text));
  });
}

test('429 with Retry-After: 1 waits at least 1 s before the next attempt', async () => {
  reset();
  server.fault(PATH10, { kind: 'status', status: 429, retryAfter: '1' });
  const c = client({ backoffMs: 1 });
  await c.fetchDay({ symbol: 'EUR/USD', day: DAY10, live: false });
  await c.close();
  assert.equal(server.count(), 2);
  const gap = server.log[1].at - server.log[0].at;
  assert.ok(gap >= 1000, `retried after ${gap} ms`);
  assert.deepEqual(c.stats.statuses, { 429: 1, 200: 1 });
});

test('Retry-After is capped at backoffMaxMs', async () => {
  reset();
  server.fault(PATH10, { kind: 'status', status: 503, retryAfter: '3600' });
  const c = client({ backoffMaxMs: 50 });
  const start = performance.now();
  await c.fetchDay({ symbol: 'EUR/USD', day: DAY10, live: false });
  await c.close();
  assert.ok(performance.now() - start < 1000);
});

test('a response slower than timeoutMs is abandoned and retried', async () => {
  reset();
  server.fault(PATH10, { kind: 'delay', ms: 1500 });
  const c = client({ timeoutMs: 300 });
  const start = performance.now();
  await c.fetchDay({ symbol: 'EUR/USD', day: DAY10, live: false });
  await c.close();
  assert.ok(performance.now() - start < 1200);
  assert.equal(c.stats.timeouts, 1);
  assert.equal(server.count(), 2);
});

test('404 → UNKNOWN_SYMBOL at once, no retry', async () => {
  reset();
  const c = client();
  await assert.rejects(c.fetchDay({ symbol: 'XXX/YYY', day: DAY10, live: false }), (err) => {
    assert.ok(err instanceof DownloadError);
    assert.equal(err.code, 'UNKNOWN_INSTRUMENT');
    assert.equal(err.symbol, 'XXX/YYY');
    assert.equal(err.day, '2026-07-10');
    assert.equal(err.status, 404);
    return true;
  });
  await c.close();
  assert.equal(server.count(), 1);
  assert.equal(c.stats.retries, 0);
});

test('other 4xx (403) fail at once with HTTP_STATUS', async () => {
  reset();
  server.fault(PATH10, { kind: 'status', status: 403 });
  const c = client();
  await assert.rejects(c.fetchDay({ symbol: 'EUR/USD', day: DAY10, live: false }), { code: 'HTTP_STATUS', status: 403 });
  await c.close();
  assert.equal(server.count(), 1);
});

test('after maxRetries: RETRIES_EXHAUSTED naming symbol, day, attempts and the last error', async () => {
  reset();
  server.always = () => ({ kind: 'status', status: 503 });
  const c = client({ maxRetries: 2 });
  await assert.rejects(c.fetchDay({ symbol: 'EUR/USD', day: DAY10, live: false }), (err) => {
    assert.ok(err instanceof DownloadError);
    assert.equal(err.code, 'RETRIES_EXHAUSTED');
    assert.equal(err.stage, 'Download');
    assert.equal(err.status, 503);
    assert.match(err.message, /^EUR\/USD 2026-07-10: failed after 3 attempts: HTTP 503/);
    return true;
  });
  await c.close();
  assert.equal(server.count(), 3);
  assert.equal(c.stats.retries, 2);
});

test('the live day uses the live URL', async () => {
  reset();
  const c = client();
  const got = await c.fetchDay({ symbol: 'EUR/USD', day: Date.UTC(2026, 6, 15), live: true });
  await c.close();
  assert.equal(server.log[0].path, '/v1/candles/minute/EUR-USD/BID');
  assert.equal(got.url, `${server.url}/v1/candles/minute/EUR-USD/BID`);
});

test('abort during the backoff sleep → CancelledError at once', async () => {
  reset();
  server.always = () => ({ kind: 'status', status: 503 });
  const c = client({ backoffMs: 10_000, backoffMaxMs: 10_000 });
  const ctrl = new AbortController();
  setTimeout(() => ctrl.abort(), 150);
  const start = performance.now();
  await assert.rejects(c.fetchDay({ symbol: 'EUR/USD', day: DAY10, live: false }, ctrl.signal), CancelledError);
  assert.ok(performance.now() - start < 600);
  await c.destroy();
});

test('abort during a request aborts it on the wire → CancelledError at once', async () => {
  reset();
  server.aborted = 0;
  server.fault(PATH10, { kind: 'delay', ms: 5000 });
  const c = client({ timeoutMs: 10_000 });
  const ctrl = new AbortController();
  setTimeout(() => ctrl.abort(), 150);
  const start = performance.now();
  await assert.rejects(c.fetchDay({ symbol: 'EUR/USD', day: DAY10, live: false }, ctrl.signal), CancelledError);
  assert.ok(performance.now() - start < 600);
  await c.destroy();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(server.aborted, 1);
  assert.equal(c.stats.retries, 0);
});
