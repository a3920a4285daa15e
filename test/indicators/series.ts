// Generated bar series for indicator tests: a random walk with float prices (no rounding, so ties that
// make definitions disagree are improbable), positive volumes, 1m timestamps with gaps of hours and days.
import { rng } from '../helpers/common.js';
import type { Bars } from '../../src/indicators/types.js';

export interface TestBar { ts: number; open: number; high: number; low: number; close: number; volume: number }

export function generateBars(n: number, seed: number, start = Date.UTC(2024, 0, 1)): TestBar[] {
  const r = rng(seed);
  const out: TestBar[] = [];
  let ts = start;
  let price = 100;
  for (let i = 0; i < n; i++) {
    const open = price;
    const close = open + (r() - 0.5) * 0.8;
    const high = Math.max(open, close) + r() * 0.3;
    const low = Math.min(open, close) - r() * 0.3;
    out.push({ ts, open, high, low, close, volume: 1 + r() * 999 });
    price = close;
    const gap = r();
    ts += gap < 0.002 ? 60_000 * Math.floor(600 + r() * 3000) : gap < 0.01 ? 60_000 * Math.floor(2 + r() * 50) : 60_000;
  }
  return out;
}

export function toBars(rows: readonly TestBar[]): Bars {
  const col = (f: (b: TestBar) => number) => Float64Array.from(rows, f);
  return { length: rows.length, ts: col((b) => b.ts), open: col((b) => b.open), high: col((b) => b.high), low: col((b) => b.low), close: col((b) => b.close), volume: col((b) => b.volume) };
}

/** |a − b| within 1e-9 of the larger magnitude (and 1e-12 absolute for values at 0). */
export function close9(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)) + 1e-12;
}
