// Test helpers: realistic 1m day files (what Transform writes) in a temp root, and an independent
// computation of what the aggregate store must hold (plain offsets, not the code under test).
import { mkdir, writeFile } from 'node:fs/promises';
import { maskGeneration, rng, tempRoot as commonTempRoot } from '../helpers/common.js';
import { dirname, join } from 'node:path';
import type { Layout } from '../../src/paths.js';
import { encodeFile, encodeHeader, type Candle } from '../../src/store/format.js';

export const DAY = 86_400_000;
export const MIN = 60_000;

export function tempRoot(t?: { after(fn: () => Promise<void>): void }): Promise<string> {
  return commonTempRoot(t, 'candlestore-test-');
}

export { rng };

export function utcDay(iso: string): number {
  return Date.parse(`${iso}T00:00:00Z`);
}

/**
 * 1m candles of one UTC day like Transform writes them: FX hours (closed Fri 22:00 → Sun 22:00 UTC), a few
 * missing (zero-volume) minutes, a random walk rounded to `decimals`, src = row index, count 1, flags 0.
 * `fromMinute`/`toMinute` cut the day (a live day is cut at "now").
 */
export function dayCandles(day: number, opts: { seed?: number; decimals?: number; fromMinute?: number; toMinute?: number; start?: number; missing?: number } = {}): Candle[] {
  const rand = rng(opts.seed ?? day / DAY);
  const dec = opts.decimals ?? 5;
  const scale = 10 ** dec;
  const round = (x: number) => Math.round(x * scale) / scale;
  const weekday = new Date(day).getUTCDay();
  let price = opts.start ?? 1.1 + rand() * 0.05;
  const out: Candle[] = [];
  for (let m = opts.fromMinute ?? 0; m < (opts.toMinute ?? 1440); m++) {
    const closed = weekday === 6 || (weekday === 5 && m >= 22 * 60) || (weekday === 0 && m < 22 * 60);
    const drift = (rand() - 0.5) * 0.0004;
    if (closed || rand() < (opts.missing ?? 0.03)) continue;
    const open = round(price);
    const close = round(price + drift);
    const high = round(Math.max(open, close) + rand() * 0.0002);
    const low = round(Math.min(open, close) - rand() * 0.0002);
    price += drift;
    out.push({ ts: day + m * MIN, open, high, low, close, volume: Math.round(rand() * 5000) / 100, src: out.length, origin: 0, flags: 0, count: 1 });
  }
  return out;
}

export function dayFileBytes(symbol: string, candles: readonly Candle[], decimals = 5, timeframe = '1m'): Buffer {
  return encodeFile({ timeframe, symbol, decimals }, candles);
}

/** Write a closed day file (data/transform/1m/...) or the live one (data/temp/...). Returns its path. */
export async function writeDay(layout: Layout, symbol: string, day: number, bytes: Buffer, live = false): Promise<string> {
  const file = live ? layout.liveTransformDay(symbol, day) : layout.transformDay(symbol, day);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, bytes);
  return file;
}

/**
 * What the aggregate store must be, computed independently: a 1m header, then every day file's records in
 * order with the u64 at byte 48 of each record replaced by the record's byte position in its day file.
 */
export function expectedStore(symbol: string, dayFiles: readonly Buffer[], decimals = 5): Buffer {
  const parts: Buffer[] = [maskGeneration('s.bin', encodeHeader({ timeframe: '1m', symbol, decimals }))];
  for (const file of dayFiles) {
    const body = Buffer.from(file.subarray(64));
    for (let at = 0; at < body.length; at += 64) body.writeBigUInt64LE(BigInt(64 + at), at + 48);
    parts.push(body);
  }
  return Buffer.concat(parts);
}

/** The expected CSV mirror, computed from candles with plain Date formatting. */
export function expectedCsv(candles: readonly Candle[], decimals = 5): string {
  const lines = candles.map((c) => {
    const t = new Date(c.ts).toISOString();
    return `${t.slice(0, 10)} ${t.slice(11, 16)},${c.open.toFixed(decimals)},${c.high.toFixed(decimals)},${c.low.toFixed(decimals)},${c.close.toFixed(decimals)},${c.volume}`;
  });
  return `time,open,high,low,close,volume\n${lines.map((l) => `${l}\n`).join('')}`;
}
