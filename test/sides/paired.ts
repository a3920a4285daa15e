// What mid and spread must be, computed here from both stores read independently (test/build/helpers.ts
// oracleSeries, no src/ code) in exact decimal arithmetic: shared by the sides' reader tests.
import type { BinRecord } from '../helpers/independent.js';
import { oracleSeries } from '../build/helpers.js';

/** `1.08512` at 5 decimals → 108512n: the decimal text of the stored double, as an integer of 10^-d units. */
export const units = (v: number, d: number) => BigInt(v.toFixed(d).replace('.', ''));

/** An integer of 10^-d units as decimal text with d decimals. */
export function decimal(u: bigint, d: number): string {
  const neg = u < 0n;
  const s = (neg ? -u : u).toString().padStart(d + 1, '0');
  return `${neg ? '-' : ''}${d === 0 ? s : `${s.slice(0, -d)}.${s.slice(-d)}`}`;
}

export interface PairedBar {
  ts: number;
  bid: BinRecord;
  ask: BinRecord;
  /** Mid prices with one more decimal than the store. */
  open: string;
  high: string;
  low: string;
  close: string;
  /** (bid + ask) / 2 to 15 significant digits. */
  volume: number;
  /** ask close − bid close at the store's decimals. */
  spread: string;
}

export interface Paired {
  rows: PairedBar[];
  bidOnly: number[];
  askOnly: number[];
  decimals: number;
  /** Whether the bar at ts is final on both sides. */
  finalBoth(ts: number): boolean;
}

/** Bars of both stores of `code`/`tf` at the same time, with mid and spread; the times on one side only. */
export function pairedBars(root: string, code: string, tf: string): Paired {
  const bid = oracleSeries(root, code, tf);
  const ask = oracleSeries(root, `${code}.ASK`, tf);
  const d = bid.decimals;
  const askAt = new Map(ask.records.map((r) => [r.ts, r]));
  const bidAt = new Set(bid.records.map((r) => r.ts));
  const mid = (b: number, a: number) => decimal((units(b, d) + units(a, d)) * 5n, d + 1);
  const rows: PairedBar[] = [];
  for (const b of bid.records) {
    const a = askAt.get(b.ts);
    if (a) rows.push({ ts: b.ts, bid: b, ask: a, open: mid(b.o, a.o), high: mid(b.h, a.h), low: mid(b.l, a.l), close: mid(b.c, a.c), volume: Number(((b.v + a.v) / 2).toPrecision(15)), spread: decimal(units(a.c, d) - units(b.c, d), d) });
  }
  const bidFinal = new Set(bid.records.slice(0, bid.finalCount).map((r) => r.ts));
  const askFinal = new Set(ask.records.slice(0, ask.finalCount).map((r) => r.ts));
  return {
    rows,
    decimals: d,
    bidOnly: bid.records.filter((r) => !askAt.has(r.ts)).map((r) => r.ts),
    askOnly: ask.records.filter((r) => !bidAt.has(r.ts)).map((r) => r.ts),
    finalBoth: (ts) => bidFinal.has(ts) && askFinal.has(ts),
  };
}
