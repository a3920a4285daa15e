// Resample test fixtures: synthetic 1m aggregate stores written with the store writer, and a deliberately
// naive reference resampler that computes every timeframe straight from the 1m rows with plain Date/Intl
// arithmetic (one bucket key per row per timeframe, then group by key). It shares no code with src/resample.
import { mkdir } from 'node:fs/promises';
import { rng, tempRoot as commonTempRoot } from '../helpers/common.js';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { Layout } from '../../src/paths.js';
import { HEADER_SIZE, RECORD_SIZE, decodeFile, encodeHeader, writeRecord, type Candle } from '../../src/store/format.js';
import { readIndexFile, writeIndexFile } from '../../src/store/indexFile.js';
import { FileAppender } from '../../src/store/appender.js';
import { readFile } from 'node:fs/promises';

export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export function tempRoot(t?: { after(fn: () => Promise<void>): void }): Promise<string> {
  return commonTempRoot(t, 'candlestore-resample-');
}

export { rng };

export function utc(iso: string): number {
  return Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
}

// ---- independent time-zone arithmetic (Intl only) ----

const fmts = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, number>();

/** Offset of `zone` at instant `t` (ms), straight from Intl (cached per zone and minute). */
export function tzOffset(zone: string, t: number): number {
  const key = `${zone}|${Math.floor(t / MIN)}`;
  let off = offsetCache.get(key);
  if (off !== undefined) return off;
  let f = fmts.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
    fmts.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
  const wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute);
  off = wall - Math.floor(t / MIN) * MIN;
  offsetCache.set(key, off);
  return off;
}

/** MT4 server time: GMT+3 while New York observes DST, else GMT+2. */
export function mt4Shift(t: number): number {
  const y = new Date(t).getUTCFullYear();
  const std = Math.min(tzOffset('America/New_York', Date.UTC(y, 0, 1)), tzOffset('America/New_York', Date.UTC(y, 6, 1)));
  return tzOffset('America/New_York', t) > std ? 3 * HOUR : 2 * HOUR;
}

export type ShiftFn = (utcMs: number) => number;

/** Store ts → UTC: try each candidate shift and keep the earliest instant that maps back. */
export function storeToUtc(ts: number, shift: ShiftFn, candidates: number[]): number {
  const ok = candidates.map((s) => ts - s).filter((u) => u + shift(u) === ts).sort((a, b) => a - b);
  if (ok.length === 0) throw new Error(`store ts ${new Date(ts).toISOString()} has no UTC instant`);
  return ok[0];
}

/** The instant of local wall time `wall` in `zone` (earlier one when it happens twice). */
export function wallToInstant(zone: string, wall: number): number {
  for (const guess of [wall - tzOffset(zone, wall - DAY), wall - tzOffset(zone, wall + DAY)].sort((a, b) => a - b)) {
    if (guess + tzOffset(zone, guess) === wall) return guess;
  }
  return wall - tzOffset(zone, wall - DAY);
}

// ---- synthetic data ----

/**
 * UTC 1m candles for every day in [from, to): FX hours (closed Fri 22:00 → Sun 22:00 UTC), ~3% missing
 * minutes, a missing hour now and then, a random walk. Volumes are multiples of 1/4 so any summation
 * order gives the same bits.
 */
export function fxMinutes(from: string, to: string, seed = 7): Candle[] {
  const rand = rng(seed);
  const out: Candle[] = [];
  let price = 1.1;
  for (let day = utc(from); day < utc(to); day += DAY) {
    const wd = new Date(day).getUTCDay();
    const skipHour = rand() < 0.3 ? Math.floor(rand() * 24) : -1;
    for (let m = 0; m < 1440; m++) {
      const closed = wd === 6 || (wd === 5 && m >= 22 * 60) || (wd === 0 && m < 22 * 60);
      const drift = (rand() - 0.5) * 0.0004;
      if (closed || rand() < 0.03 || Math.floor(m / 60) === skipHour) continue;
      const open = Math.round(price * 1e5) / 1e5;
      const close = Math.round((price + drift) * 1e5) / 1e5;
      const high = Math.round((Math.max(open, close) + rand() * 0.0002) * 1e5) / 1e5;
      const low = Math.round((Math.min(open, close) - rand() * 0.0002) * 1e5) / 1e5;
      price += drift;
      out.push({ ts: day + m * MIN, open, high, low, close, volume: Math.floor(rand() * 400) / 4, src: 0, origin: 0, flags: 0, count: 1 });
    }
  }
  return out;
}

/** Move UTC candles onto a store axis; rows whose store ts does not increase (a fall-back overlap) are dropped. */
export function shifted(candles: Candle[], shift: ShiftFn): Candle[] {
  const out: Candle[] = [];
  let last = -Infinity;
  for (const c of candles) {
    const ts = c.ts + shift(c.ts);
    if (ts <= last) continue;
    last = ts;
    out.push({ ...c, ts });
  }
  return out;
}

// ---- aggregate store ----

/** Write (or replace) the 1m aggregate store of `symbol` with `candles` and commit its index. */
export async function writeAggregate(layout: Layout, symbol: string, candles: Candle[], decimals = 5): Promise<void> {
  const file = layout.aggregateStore(symbol);
  await mkdir(dirname(layout.aggregateIndex(symbol)), { recursive: true });
  const out = await FileAppender.open(file, { truncate: true });
  await out.append(encodeHeader({ timeframe: '1m', symbol, decimals, generation: 1 }));
  await out.close();
  await writeIndexFile(layout.aggregateIndex(symbol), { lastDate: 0, inPos: 0, outPos: HEADER_SIZE, csvPos: 0, tailCrc: 0, dataCrc: 0, finalPos: HEADER_SIZE, generation: 1 });
  await appendAggregate(layout, symbol, candles);
}

/** Append candles to the aggregate store (src = own byte position) and commit the index. */
export async function appendAggregate(layout: Layout, symbol: string, candles: Candle[]): Promise<void> {
  const file = layout.aggregateStore(symbol);
  const ix = (await readIndexFile(layout.aggregateIndex(symbol), 'Aggregate'))!;
  const buf = Buffer.alloc(candles.length * RECORD_SIZE);
  candles.forEach((c, i) => writeRecord(buf, i * RECORD_SIZE, { ...c, src: ix.outPos + i * RECORD_SIZE }));
  const out = await FileAppender.open(file);
  await out.append(buf);
  await out.sync();
  await out.close();
  const last = buf.length ? buf.subarray(buf.length - RECORD_SIZE) : undefined;
  await writeIndexFile(layout.aggregateIndex(symbol), {
    lastDate: 0, inPos: 0, outPos: ix.outPos + buf.length, csvPos: 0,
    tailCrc: last ? crc32(last) : ix.tailCrc, dataCrc: crc32(buf, ix.dataCrc),
    finalPos: ix.outPos + buf.length, generation: ix.generation,
  });
}

export async function readBars(layout: Layout, tf: string, symbol: string): Promise<Candle[]> {
  return decodeFile(await readFile(layout.resampleStore(tf, symbol)), tf, 'Resample').candles;
}

// ---- naive reference ----

export interface NaiveTf {
  name: string;
  rule: string;
  source: string;
}

export interface NaiveSession {
  zone: string;
  ranges: { from: string; to: string; weekdays?: number[] }[];
}

export interface NaiveSetup {
  /** Shift of the store axis at a UTC instant. */
  shift: ShiftFn;
  /** Every shift the axis can have (to invert it by trial). */
  shiftCandidates: number[];
  session?: NaiveSession;
  timeframes: NaiveTf[];
}

const hm = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

/** Calendar parts of an epoch-ms value read as UTC. */
function parts(ms: number) {
  const d = new Date(ms);
  return { y: d.getUTCFullYear(), mo: d.getUTCMonth(), d: d.getUTCDate(), wd: d.getUTCDay(), min: d.getUTCHours() * 60 + d.getUTCMinutes() };
}

/** Where one row lands for one timeframe: bucket ts and origin, or undefined when outside the session. */
type Place = { key: number; origin: number } | undefined;

function calendarStart(dateMs: number, unit: string): number {
  const p = parts(dateMs);
  if (unit === 'd') return Date.UTC(p.y, p.mo, p.d);
  if (unit === 'W') return Date.UTC(p.y, p.mo, p.d - ((p.wd + 6) % 7));
  if (unit === 'M') return Date.UTC(p.y, p.mo, 1);
  return Date.UTC(p.y, 0, 1);
}

function ruleMinutes(rule: string): number | undefined {
  const m = /^(\d+)([mh])$/.exec(rule);
  return m ? Number(m[1]) * (m[2] === 'h' ? 60 : 1) : undefined;
}

/** The session placement of a row: session date, range, minutes since the range start. */
function sessionOf(session: NaiveSession, utcMs: number) {
  const wall = utcMs + tzOffset(session.zone, utcMs);
  const p = parts(wall);
  const localDate = Date.UTC(p.y, p.mo, p.d);
  const isoWd = (date: number) => ((parts(date).wd + 6) % 7) + 1;
  const ranges = session.ranges.map((r) => ({ from: hm(r.from), to: hm(r.to), days: r.weekdays ?? [1, 2, 3, 4, 5, 6, 7] }));
  const active = (date: number) => ranges.filter((r) => r.days.includes(isoWd(date))).sort((a, b) => (a.from - (a.from >= a.to ? 1440 : 0)) - (b.from - (b.from >= b.to ? 1440 : 0)));
  for (const r of ranges) {
    const wrap = r.from >= r.to;
    if (!wrap && p.min >= r.from && p.min < r.to && r.days.includes(isoWd(localDate))) {
      return { date: localDate, rangeFrom: r.from, since: p.min - r.from, dayOrigin: active(localDate)[0].from };
    }
    if (wrap && p.min < r.to && r.days.includes(isoWd(localDate))) {
      return { date: localDate, rangeFrom: r.from, since: p.min + 1440 - r.from, dayOrigin: active(localDate)[0].from };
    }
    if (wrap && p.min >= r.from && r.days.includes(isoWd(localDate + DAY))) {
      return { date: localDate + DAY, rangeFrom: r.from, since: p.min - r.from, dayOrigin: active(localDate + DAY)[0].from };
    }
  }
  return undefined;
}

function place(setup: NaiveSetup, tf: NaiveTf, ts: number): Place {
  const minutes = ruleMinutes(tf.rule);
  if (!setup.session) {
    const p = parts(ts);
    if (minutes !== undefined) return { key: Date.UTC(p.y, p.mo, p.d) + Math.floor(p.min / minutes) * minutes * MIN, origin: 0 };
    return { key: calendarStart(Date.UTC(p.y, p.mo, p.d), tf.rule[1]), origin: 0 };
  }
  const u = storeToUtc(ts, setup.shift, setup.shiftCandidates);
  const s = sessionOf(setup.session, u);
  if (!s) return undefined;
  if (minutes !== undefined) {
    const startUtc = u - (s.since % minutes) * MIN;
    return { key: startUtc + setup.shift(startUtc), origin: s.rangeFrom };
  }
  const midnight = wallToInstant(setup.session.zone, calendarStart(s.date, tf.rule[1]));
  return { key: midnight + setup.shift(midnight), origin: s.dayOrigin };
}

/** Every timeframe's bars computed from the 1m rows alone. */
export function naiveResample(setup: NaiveSetup, rows: Candle[]): Map<string, Candle[]> {
  const keys = new Map<string, (Place)[]>();
  keys.set('1m', rows.map((r) => ({ key: r.ts, origin: 0 })));
  for (const tf of setup.timeframes) keys.set(tf.name, rows.map((r) => place(setup, tf, r.ts)));
  const out = new Map<string, Candle[]>();
  for (const tf of setup.timeframes) {
    const mine = keys.get(tf.name)!;
    const theirs = keys.get(tf.source)!;
    const bars: Candle[] = [];
    let cur: Candle | undefined;
    let sourceKeys = new Set<number>();
    for (let i = 0; i < rows.length; i++) {
      const p = mine[i];
      if (!p) continue;
      const r = rows[i];
      if (!cur || cur.ts !== p.key) {
        if (cur) bars.push(cur);
        cur = { ts: p.key, open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume, src: 0, origin: p.origin, flags: 0, count: 0 };
        sourceKeys = new Set();
      } else {
        cur.high = Math.max(cur.high, r.high);
        cur.low = Math.min(cur.low, r.low);
        cur.close = r.close;
        cur.volume += r.volume;
      }
      const sk = theirs[i]!.key;
      if (!sourceKeys.has(sk)) {
        sourceKeys.add(sk);
        cur.count++;
      }
    }
    if (cur) bars.push({ ...cur, flags: 1 });
    out.set(tf.name, bars);
  }
  return out;
}
