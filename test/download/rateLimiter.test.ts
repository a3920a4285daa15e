import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter, globalRateLimiter } from '../../src/download/rateLimiter.js';
import { DownloadClient, type DownloadOptions } from '../../src/download/client.js';
import { CancelledError } from '../../src/errors.js';
import { DAY, startServer } from './helpers.js';

/** Most events inside any window of `windowMs`. */
function maxInWindow(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i] - t[j] >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

test('bucket: burst of ceil(rps), then rps per second', async () => {
  const limiter = new RateLimiter(20);
  const start = performance.now();
  const times: number[] = [];
  await Promise.all(Array.from({ length: 50 }, () => limiter.acquire().then(() => times.push(performance.now() - start))));
  const total = Math.max(...times);
  // 20 at once, then 30 more at 20/s → ≈1.5 s
  assert.ok(total >= 1350, `took ${total} ms`);
  assert.ok(total < 3000, `took ${total} ms`);
  const early = times.filter((t) => t < 100).length; // the burst, plus ≤ 2 tokens refilled in 100 ms
  assert.ok(early >= 20 && early <= 22, `${early} in the first 100 ms`);
  assert.ok(maxInWindow(times, 1000) <= 20 + 20 + 1, `window max ${maxInWindow(times, 1000)}`);
});

test('bucket: fractional rate keeps burst 1', async () => {
  const limiter = new RateLimiter(0.5);
  await limiter.acquire();
  const ctrl = new AbortController();
  const p = limiter.acquire(ctrl.signal);
  let settled = false;
  p.catch(() => {}).finally(() => (settled = true));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(settled, false, 'second token must wait ~2 s at 0.5 rps');
  ctrl.abort();
  await assert.rejects(p, CancelledError);
});

test('acquire is cancelled by its AbortSignal at once, and others still get served', async () => {
  const limiter = new RateLimiter(2);
  await limiter.acquire();
  await limiter.acquire();
  const ctrl = new AbortController();
  const started = performance.now();
  const cancelled = limiter.acquire(ctrl.signal);
  const other = limiter.acquire();
  setTimeout(() => ctrl.abort(), 50);
  await assert.rejects(cancelled, (err) => err instanceof CancelledError && err.stage === 'Download');
  assert.ok(performance.now() - started < 300);
  await other; // takes the token the cancelled waiter would have had
  assert.ok(performance.now() - started < 900);
  await assert.rejects(limiter.acquire(AbortSignal.abort()), CancelledError);
});

test('globalRateLimiter is one instance for the process', () => {
  const a = globalRateLimiter(10);
  const b = globalRateLimiter(10);
  assert.equal(a, b);
  assert.equal(globalRateLimiter(30), a);
  assert.equal(a.rate, 30);
});

test('two clients over HTTP share the process-wide bucket (requests per second window)', async () => {
  const server = await startServer(Date.UTC(2026, 6, 15, 12));
  try {
    const opts: DownloadOptions = { baseUrl: server.url, rateLimitRps: 25, concurrency: 8, timeoutMs: 5000, maxRetries: 0, backoffMs: 10, backoffMaxMs: 100 };
    const limiter = globalRateLimiter(25);
    const clients = [new DownloadClient(opts, limiter), new DownloadClient(opts, limiter)];
    const day0 = Date.UTC(2026, 0, 1);
    const start = performance.now();
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => clients[i % 2].fetchDay({ symbol: i % 2 ? 'EUR/USD' : 'GBP/USD', day: day0 + i * DAY, live: false })),
    );
    const elapsed = performance.now() - start;
    await Promise.all(clients.map((c) => c.close()));
    assert.equal(server.count(), 50);
    // burst 25 at once, 25 more at 25/s → ≥ ~1 s; never more than burst + rps in any 1 s window
    assert.ok(elapsed >= 900, `50 requests at 25 rps took only ${elapsed} ms`);
    const most = maxInWindow(server.log.map((r) => r.at), 1000);
    assert.ok(most <= 25 + 25 + 2, `${most} requests in one second`);
    assert.equal(clients[0].stats.requests + clients[1].stats.requests, 50);
  } finally {
    await server.close();
  }
});
