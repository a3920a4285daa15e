import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { downloadDays, planDownloads, runDownloads, type DownloadOptions } from '../../src/download/downloader.js';
import { RateLimiter } from '../../src/download/rateLimiter.js';
import { CancelledError, DownloadError } from '../../src/errors.js';
import { Layout } from '../../src/paths.js';
import { DAY, MINUTE, decodeDay, encodeDay, listFiles, startServer, syntheticDay, tempRoot, type TestServer } from './helpers.js';

const NOW = Date.UTC(2026, 6, 15, 12, 30, 30); // 12:30 is still forming
const D12 = Date.UTC(2026, 6, 12);
const D13 = Date.UTC(2026, 6, 13);
const D14 = Date.UTC(2026, 6, 14);
const D15 = Date.UTC(2026, 6, 15);
const D16 = Date.UTC(2026, 6, 16);

let server: TestServer;
before(async () => {
  server = await startServer(NOW);
});
after(async () => {
  await server.close();
});

function reset(now = NOW): void {
  server.now = now;
  server.log.length = 0;
  server.script.clear();
  server.always = undefined;
  server.editLive = undefined;
  server.aborted = 0;
  server.maxInFlight = 0;
}

function options(over: Partial<DownloadOptions> = {}): DownloadOptions {
  return { baseUrl: server.url, rateLimitRps: 1000, concurrency: 3, timeoutMs: 3000, maxRetries: 3, backoffMs: 5, backoffMaxMs: 200, ...over };
}

async function run(layout: Layout, symbols: string[], from: number, to: number, now: number, over: Partial<DownloadOptions> = {}, signal?: AbortSignal) {
  return downloadDays(layout, symbols, from, to, now, options(over), { signal, limiter: new RateLimiter(1000) });
}

const exists = (f: string) => stat(f).then(() => true, () => false);
const noTemps = async (root: string) => assert.deepEqual((await listFiles(root)).filter((f) => f.endsWith('.tmp')), []);

test('plan: missing closed days in range, today live, future days skipped', async () => {
  const { root, cleanup } = await tempRoot();
  try {
    const layout = new Layout(root);
    await writeFile(await mkdirFor(layout.cacheDay('EUR/USD', D13)), '{}');
    const plan = await planDownloads(layout, ['EUR/USD'], D12, D16, NOW);
    assert.equal(plan.today, D15);
    assert.deepEqual(
      plan.tasks.map((t) => [t.day, t.live, t.fetch]),
      [[D12, false, true], [D14, false, true], [D15, true, true]],
    );
    assert.equal(plan.tasks[2].file, layout.liveDay('EUR/USD', D15));
    assert.deepEqual((await planDownloads(layout, ['EUR/USD'], D12, D14, NOW)).tasks.length, 2, 'today outside [from, to]: no live task');
  } finally {
    await cleanup();
  }
});

test('first run fetches every day; second run only the missing ones (+ the live day)', async () => {
  reset();
  const { root, cleanup } = await tempRoot();
  try {
    const layout = new Layout(root);
    const first = await run(layout, ['EUR/USD', 'GBP/USD'], D12, D15, NOW);
    assert.equal(server.count(), 8);
    assert.equal(first.stats.daysDownloaded, 8);
    assert.equal(first.stats.requests, 8);
    assert.deepEqual(
      first.days.map((d) => [d.symbol, d.day, d.live, d.changed]),
      [
        ['EUR/USD', D12, false, true], ['EUR/USD', D13, false, true], ['EUR/USD', D14, false, true], ['EUR/USD', D15, true, true],
        ['GBP/USD', D12, false, true], ['GBP/USD', D13, false, true], ['GBP/USD', D14, false, true], ['GBP/USD', D15, true, true],
      ],
    );
    for (const d of first.days.filter((x) => !x.live)) {
      const text = await readFile(layout.cacheDay(d.symbol, d.day), 'utf8');
      assert.equal(text, encodeDay(syntheticDay(d.symbol.replace('/', '-'), d.day), d.day), 'cache holds the body as served');
      assert.equal(d.bytes, Buffer.byteLength(text));
      assert.equal(d.file, layout.cacheDay(d.symbol, d.day));
    }
    const live = decodeDay(await readFile(layout.liveDay('EUR/USD', D15), 'utf8'));
    assert.deepEqual(live, syntheticDay('EUR-USD', D15, NOW).filter((c) => c.t + MINUTE <= NOW), 'live day without the forming minute');
    assert.equal(live.at(-1)!.t, D15 + 12 * 3_600_000 + 29 * MINUTE);
    assert.ok(server.maxInFlight <= 3, `max in flight ${server.maxInFlight}`);

    reset();
    await rm(layout.cacheDay('GBP/USD', D13));
    const second = await run(layout, ['EUR/USD', 'GBP/USD'], D12, D15, NOW);
    assert.deepEqual(server.log.map((r) => r.path).sort(), [
      '/v1/candles/minute/EUR-USD/BID',
      '/v1/candles/minute/GBP-USD/BID',
      '/v1/candles/minute/GBP-USD/BID/2026/7/13',
    ]);
    assert.deepEqual(
      second.days.map((d) => [d.symbol, d.day, d.live, d.changed]),
      [['EUR/USD', D15, true, false], ['GBP/USD', D13, false, true], ['GBP/USD', D15, true, false]],
    );
    await noTemps(root);
  } finally {
    await cleanup();
  }
});

test('live day grows between runs: old candles kept as they were, new complete ones appended', async () => {
  reset();
  const { root, cleanup } = await tempRoot();
  try {
    const layout = new Layout(root);
    const file = layout.liveDay('EUR/USD', D15);
    await run(layout, ['EUR/USD'], D15, D15, NOW);
    const firstText = await readFile(file, 'utf8');
    const firstCandles = decodeDay(firstText);

    // ten minutes later the server also revises the 05:00 candle it served before
    const later = NOW + 10 * MINUTE;
    reset(later);
    const revisedAt = D15 + 5 * 3_600_000;
    server.editLive = (_code, candles) => candles.map((c) => (c.t === revisedAt ? { ...c, c: c.c + 7, h: c.h + 9 } : c));
    const second = await run(layout, ['EUR/USD'], D15, D15, later);
    assert.deepEqual(second.days.map((d) => [d.live, d.changed]), [[true, true]]);
    const candles = decodeDay(await readFile(file, 'utf8'));
    assert.deepEqual(candles.slice(0, firstCandles.length), firstCandles, 'kept prefix unchanged');
    assert.deepEqual(candles.find((c) => c.t === revisedAt), firstCandles.find((c) => c.t === revisedAt), 'revision of a kept minute ignored');
    assert.deepEqual(
      candles.slice(firstCandles.length),
      syntheticDay('EUR-USD', D15, later).filter((c) => c.t > firstCandles.at(-1)!.t && c.t + MINUTE <= later),
    );
    assert.equal(candles.at(-1)!.t, D15 + 12 * 3_600_000 + 39 * MINUTE);

    // same clock again: nothing new, file untouched
    const thirdText = await readFile(file, 'utf8');
    reset(later);
    const third = await run(layout, ['EUR/USD'], D15, D15, later);
    assert.deepEqual(third.days.map((d) => [d.live, d.changed, d.bytes]), [[true, false, Buffer.byteLength(thirdText)]]);
    assert.equal(await readFile(file, 'utf8'), thirdText);
    assert.equal(server.count(), 1);
  } finally {
    await cleanup();
  }
});

test('day rollover: the closed live day goes to the cache in its final version, its temp files go', async () => {
  reset();
  const { root, cleanup } = await tempRoot();
  try {
    const layout = new Layout(root);
    await run(layout, ['EUR/USD'], D14, D15, NOW);
    await writeFile(layout.liveTransformDay('EUR/USD', D15), 'bin of the live day');
    assert.ok(await exists(layout.liveDay('EUR/USD', D15)));

    const tomorrow = NOW + DAY;
    reset(tomorrow);
    const res = await run(layout, ['EUR/USD'], D14, D16, tomorrow);
    assert.deepEqual(server.log.map((r) => r.path).sort(), ['/v1/candles/minute/EUR-USD/BID', '/v1/candles/minute/EUR-USD/BID/2026/7/15']);
    assert.deepEqual(res.days.map((d) => [d.day, d.live, d.changed]), [[D15, false, true], [D16, true, true]]);
    assert.equal(await readFile(layout.cacheDay('EUR/USD', D15), 'utf8'), encodeDay(syntheticDay('EUR-USD', D15), D15), 'final full day');
    assert.equal(await exists(layout.liveDay('EUR/USD', D15)), false);
    assert.equal(await exists(layout.liveTransformDay('EUR/USD', D15)), false);
    assert.ok(await exists(layout.liveDay('EUR/USD', D16)));

    // a stale live file whose day is already cached (crash after the rename): only removed, not fetched;
    // one for a day outside [from, to] is still finished off
    await writeFile(layout.liveDay('EUR/USD', D15), '{}');
    await writeFile(layout.liveDay('EUR/USD', D12), '{}');
    await writeFile(layout.liveTransformDay('EUR/USD', D12), 'x');
    reset(tomorrow);
    const again = await run(layout, ['EUR/USD'], D14, D16, tomorrow);
    assert.deepEqual(server.log.map((r) => r.path).sort(), ['/v1/candles/minute/EUR-USD/BID', '/v1/candles/minute/EUR-USD/BID/2026/7/12']);
    assert.deepEqual(again.days.map((d) => [d.day, d.live, d.changed]), [[D12, false, true], [D16, true, false]]);
    assert.deepEqual(await listFiles(layout.tempDir), ['EUR-USD_20260716.json']);
  } finally {
    await cleanup();
  }
});

test('retries used up: DownloadError names symbol and day; no file at the final path, no temp file', async () => {
  reset();
  const { root, cleanup } = await tempRoot();
  try {
    const layout = new Layout(root);
    server.always = (path) => (path.endsWith('/2026/7/13') ? { kind: 'status', status: 503 } : undefined);
    await assert.rejects(run(layout, ['EUR/USD'], D12, D14, NOW, { maxRetries: 2, concurrency: 1 }), (err) => {
      assert.ok(err instanceof DownloadError, String(err));
      assert.equal(err.code, 'RETRIES_EXHAUSTED');
      assert.equal(err.symbol, 'EUR/USD');
      assert.equal(err.day, '2026-07-13');
      assert.match(err.message, /EUR\/USD 2026-07-13: failed after 3 attempts/);
      return true;
    });
    assert.equal(server.count((p) => p.endsWith('/2026/7/13')), 3);
    assert.equal(await exists(layout.cacheDay('EUR/USD', D13)), false);
    assert.equal(await exists(layout.cacheDay('EUR/USD', D14)), false, 'fail-fast: the next day never started');
    await noTemps(root);
  } finally {
    await cleanup();
  }
});

test('fail-fast: the first error aborts the other downloads at once and is the one rethrown', async () => {
  reset();
  const { root, cleanup } = await tempRoot();
  try {
    const layout = new Layout(root);
    server.always = (path) => (path.includes('/EUR-USD/') ? { kind: 'delay', ms: 5000 } : undefined);
    const start = performance.now();
    // tasks: EUR 12, 13, 14 (slow) and XXX 12 start together; XXX/YYY is unknown → 404
    await assert.rejects(run(layout, ['EUR/USD', 'XXX/YYY'], D12, D14, NOW, { concurrency: 4, timeoutMs: 10_000 }), (err) => {
      assert.ok(!(err instanceof CancelledError));
      assert.ok(err instanceof DownloadError);
      assert.equal(err.code, 'UNKNOWN_INSTRUMENT');
      assert.equal(err.symbol, 'XXX/YYY');
      return true;
    });
    const elapsed = performance.now() - start;
    assert.ok(elapsed < 1500, `took ${elapsed} ms`);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.count(), 4, 'no task started after the failure');
    assert.equal(server.aborted, 3, 'the three slow requests were aborted on the wire');
    assert.deepEqual(await listFiles(root), []);
  } finally {
    await cleanup();
  }
});

test('a non-download error (corrupt live file) also aborts the run', async () => {
  reset();
  const { root, cleanup } = await tempRoot();
  try {
    const layout = new Layout(root);
    await mkdir(layout.tempDir, { recursive: true });
    await writeFile(layout.liveDay('EUR/USD', D15), '{"timestamp":');
    await assert.rejects(run(layout, ['EUR/USD'], D15, D15, NOW), { name: 'CorruptFileError', code: 'BAD_JSON' });
    assert.equal(await readFile(layout.liveDay('EUR/USD', D15), 'utf8'), '{"timestamp":', 'left for a human to look at');
  } finally {
    await cleanup();
  }
});

test('cancelling the caller signal stops the run with CancelledError', async () => {
  reset();
  const { root, cleanup } = await tempRoot();
  try {
    const layout = new Layout(root);
    server.always = () => ({ kind: 'delay', ms: 5000 });
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(), 100);
    const start = performance.now();
    await assert.rejects(run(layout, ['EUR/USD'], D12, D15, NOW, {}, ctrl.signal), CancelledError);
    assert.ok(performance.now() - start < 1000);
    await noTemps(root);
  } finally {
    await cleanup();
  }
});

test('leftover .tmp files of a killed run are removed; progress is reported per day', async () => {
  reset();
  const { root, cleanup } = await tempRoot();
  try {
    const layout = new Layout(root);
    const stray = `${dirname(layout.cacheDay('EUR/USD', D12))}/.EUR-USD_20260712.json.999.1.tmp`;
    await writeFile(await mkdirFor(stray), 'half');
    const plan = await planDownloads(layout, ['EUR/USD'], D12, D15, NOW);
    const seen: string[] = [];
    await runDownloads(plan, options(), { limiter: new RateLimiter(1000), onProgress: (p) => seen.push(`${p.done}/${p.total}`) });
    assert.deepEqual(seen, ['1/4', '2/4', '3/4', '4/4']);
    await noTemps(root);
  } finally {
    await cleanup();
  }
});

async function mkdirFor(file: string): Promise<string> {
  await mkdir(dirname(file), { recursive: true });
  return file;
}
