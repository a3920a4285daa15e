// Section 7 of `npm run bench`: the HTTP API (issue 11). `candlestore serve` runs in a child process (its
// RSS is its own; the load comes from this process over loopback with undici):
//   - 1000 1m candles as JSON, one connection: p50/p99 (each request a different random window);
//   - the same with 3 indicators (sma(20), rsi(14), macd(12,26,9)), warm-up included;
//   - req/s of those 1000-candle queries at 16 connections;
//   - RSS of the server over many requests (after warm-up vs at the end);
//   - p50 on the 1-year store vs the 5-year store (binary search: no growth with length).
// Standalone: `node bench/dist/bench/api.js --root DIR [--small DIR] [--requests N] [--seconds S] [--soak N]`.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { percentile } from './measure.js';

export interface ApiSettings {
  /** Requests per latency measurement at 1 connection. */
  requests: number;
  /** Seconds of the 16-connection throughput run. */
  seconds: number;
  /** Requests of the RSS soak at 16 connections. */
  soak: number;
}

export interface LatencyResult { p50Ms: number; p99Ms: number; requests: number }

export interface ApiResult {
  symbol: string;
  candles: LatencyResult;
  candlesWithIndicators: LatencyResult;
  reqPerSec16: number;
  rssKb: { afterWarmup: number; end: number; requests: number };
  storeLength: { smallYears: number; largeYears: number; smallP50Ms: number; largeP50Ms: number } | undefined;
}

const CLI = new URL('../src/cli.js', import.meta.url).pathname;
const INDICATORS = 'sma(20),rsi(14),macd(12,26,9)';

interface Served { url: string; child: ChildProcess; close(): Promise<void> }

async function serve(root: string): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', '--root', root, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d) => {
      err += d;
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  return {
    url, child,
    close: () => new Promise<void>((resolve) => {
      child.removeAllListeners('exit');
      child.on('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** First and last 1m bar of a symbol, from /v1/symbols. */
async function span(pool: Pool, symbol: string): Promise<{ first: number; last: number; rows: number }> {
  const res = await pool.request({ path: '/v1/symbols', method: 'GET' });
  const body = (await res.body.json()) as { result: { id: string; timeframes: { timeframe: string; first: number; last: number; rows: number }[] }[] };
  const tf = body.result.find((s) => s.id === symbol)?.timeframes.find((t) => t.timeframe === '1m');
  if (!tf) throw new Error(`no 1m store of ${symbol} behind the server`);
  return tf;
}

/** Random 1000-bar windows: `after` uniformly inside the history, leaving room for 1000 bars. */
function paths(symbol: string, s: { first: number; last: number }, n: number, indicators: boolean, seed: number): string[] {
  let a = seed >>> 0;
  const rand = () => ((a = (a * 1664525 + 1013904223) >>> 0) / 4294967296);
  const room = Math.max(1, s.last - s.first - 3 * 86_400_000);
  return Array.from({ length: n }, () => `/v1/candles/${symbol}/1m?after=${Math.floor(s.first + rand() * room)}&limit=1000${indicators ? `&indicators=${INDICATORS}` : ''}`);
}

async function latency(pool: Pool, urls: string[]): Promise<LatencyResult> {
  for (const u of urls.slice(0, Math.min(200, urls.length))) await (await pool.request({ path: u, method: 'GET' })).body.text(); // warm-up
  const ms: number[] = [];
  for (const u of urls) {
    const t0 = performance.now();
    const res = await pool.request({ path: u, method: 'GET' });
    const text = await res.body.text();
    ms.push(performance.now() - t0);
    if (res.statusCode !== 200) throw new Error(`${u}: ${res.statusCode} ${text.slice(0, 200)}`);
  }
  ms.sort((x, y) => x - y);
  return { p50Ms: percentile(ms, 50), p99Ms: percentile(ms, 99), requests: ms.length };
}

/** `total` requests (or until `untilMs`) over 16 connections; returns requests done and seconds. */
async function load(pool: Pool, urls: string[], opts: { total?: number; seconds?: number }): Promise<{ done: number; seconds: number }> {
  const t0 = performance.now();
  const end = opts.seconds === undefined ? Infinity : t0 + opts.seconds * 1000;
  const total = opts.total ?? Infinity;
  let next = 0;
  let done = 0;
  async function worker() {
    while (next < total && performance.now() < end) {
      const u = urls[next++ % urls.length];
      const res = await pool.request({ path: u, method: 'GET' });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`${u}: ${res.statusCode}`);
      done++;
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker));
  return { done, seconds: (performance.now() - t0) / 1000 };
}

export async function measureApi(largeRoot: string, smallRoot: string | undefined, settings: ApiSettings, log: (l: string) => void): Promise<ApiResult> {
  const symbol = readdirSync(join(largeRoot, 'data/aggregate/1m')).filter((f) => f.endsWith('.bin')).sort()[0].slice(0, -4);
  const server = await serve(largeRoot);
  try {
    const one = new Pool(server.url, { connections: 1 });
    const s = await span(one, symbol);
    const candles = await latency(one, paths(symbol, s, settings.requests, false, 1));
    log(`  1000 1m candles, 1 connection: p50 ${candles.p50Ms.toFixed(2)} ms, p99 ${candles.p99Ms.toFixed(2)} ms`);
    const candlesWithIndicators = await latency(one, paths(symbol, s, settings.requests, true, 2));
    log(`  … with ${INDICATORS}: p50 ${candlesWithIndicators.p50Ms.toFixed(2)} ms, p99 ${candlesWithIndicators.p99Ms.toFixed(2)} ms`);
    await one.close();
    const many = new Pool(server.url, { connections: 16 });
    const urls = paths(symbol, s, 5000, false, 3);
    await load(many, urls, { total: 2000 });
    const afterWarmup = rssKb(server.child.pid!);
    const t = await load(many, urls, { seconds: settings.seconds });
    const reqPerSec16 = t.done / t.seconds;
    log(`  16 connections: ${reqPerSec16.toFixed(0)} req/s (${t.done} in ${t.seconds.toFixed(1)} s)`);
    const soak = await load(many, urls, { total: settings.soak });
    const end = rssKb(server.child.pid!);
    log(`  RSS ${(afterWarmup / 1024).toFixed(0)} MiB after warm-up → ${(end / 1024).toFixed(0)} MiB after ${t.done + soak.done} more requests`);
    await many.close();
    let storeLength: ApiResult['storeLength'];
    if (smallRoot) {
      const small = await serve(smallRoot);
      try {
        const p = new Pool(small.url, { connections: 1 });
        const ss = await span(p, symbol);
        const smallP50Ms = (await latency(p, paths(symbol, ss, settings.requests, false, 4))).p50Ms;
        await p.close();
        const years = (x: { first: number; last: number }) => (x.last - x.first) / (365.25 * 86_400_000);
        storeLength = { smallYears: years(ss), largeYears: years(s), smallP50Ms, largeP50Ms: candles.p50Ms };
        log(`  p50 on ${years(ss).toFixed(1)} years ${smallP50Ms.toFixed(2)} ms vs ${years(s).toFixed(1)} years ${candles.p50Ms.toFixed(2)} ms`);
      } finally {
        await small.close();
      }
    }
    return { symbol, candles, candlesWithIndicators, reqPerSec16, rssKb: { afterWarmup, end, requests: t.done + soak.done }, storeLength };
  } finally {
    await server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { root: { type: 'string' }, small: { type: 'string' }, requests: { type: 'string', default: '300' }, seconds: { type: 'string', default: '3' }, soak: { type: 'string', default: '3000' } } });
  if (!values.root) throw new Error('--root DIR is required');
  const r = await measureApi(values.root, values.small, { requests: Number(values.requests), seconds: Number(values.seconds), soak: Number(values.soak) }, (l) => process.stderr.write(`${l}\n`));
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
