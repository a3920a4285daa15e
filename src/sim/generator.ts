// Deterministic minute candles for the `sim` server: any (seed, symbol, UTC day) always gives the same
// candles, encoded exactly like the real Dukascopy day document (DESIGN §3, fixtures in
// test/fixtures/dukascopy (copied from ../shared/fixtures)/).
//
// Model. Prices live on the instrument's integer grid (units of `multiplier`).
// - The level at each UTC day start is a closed-form function of (seed, symbol, dayIndex): the instrument's
//   price times exp(a few slow seeded sines + a small per-day noise). No day depends on the days before it,
//   so any day is generated in O(one day) however far from the others.
// - Inside a day, closes follow a Gaussian random walk over all 1440 minutes (volatility shaped by the UTC
//   hour) pinned as a Brownian bridge from this day's start level to the next day's, so days join up
//   continuously (a closed weekend or night still moves the price, which shows as a gap at the reopen).
// - Each trading minute: open = previous close ± a small jitter, high/low = max/min(open, close) ± a
//   half-normal wick, volume ~ scale × hour activity × size of the move × log-normal noise, rounded to the
//   instrument's volume decimals. About 1% of trading minutes (single minutes and short runs) have no
//   volume and are omitted, like the real service does (a `times` step > 1).
// - Only trading minutes (instruments.ts) appear. With `nowMs`, only complete minutes (start + 60 s <= now)
//   appear, so the live day is always a prefix of the finished day (a day after now is empty) — unless
//   revisions are on (`revise` > 0, revise.ts): then earlier minutes change between answers and the closed
//   day differs from the last live answer.
// Random numbers come from a hand-written splitmix32: seedable from any 32-bit value (no bad seeds), a few
// integer ops per draw, identical on every Node version; Math.random is neither seedable nor reproducible.
// Normals come from an inverse-CDF table (Box–Muller's log/sqrt/sin/cos was most of the generation time).
// A full FX day (≈1430 candles, ≈24 kB) takes ≈0.2 ms to generate and encode on one core.
//
// Encoding (checked against the fixtures): `timestamp` = time of the first candle sent (so `times[0]` is
// 0; for a day opening Sunday 22:00 it is that 22:00), `shift` 60000, base `open/high/low/close` = the
// first candle's prices, price arrays = integer deltas from the previous candle (first 0), `volumes`
// absolute, floats printed Java style (`"multiplier":1.0E-5`, `27.0`). A day without candles has empty
// arrays, null base prices and `timestamp` = 00:00 UTC of the day.
import type { DayJson } from '../dukascopy/dayJson.js';
import { DAY_MS, MINUTE_MS } from '../util/dates.js';
import { AsciiWriter, formatJavaDouble } from './format.js';
import { revisionOf, reviseDay } from './revise.js';
import { applyAsk, dropOneSided, type SimSide } from './sides.js';
import { getInstrument, SIM_INSTRUMENTS, tradingIntervals, type Market, type SimInstrument } from './instruments.js';

export const SHIFT_MS = MINUTE_MS;

/** The candles of one simulated day, prices and volumes as integers (price units, volume units). */
export interface SimDay {
  inst: SimInstrument;
  dayMs: number;
  /** Number of candles. */
  n: number;
  /** Minute of the UTC day of each candle, ascending. */
  minutes: Int32Array;
  opens: Float64Array;
  highs: Float64Array;
  lows: Float64Array;
  closes: Float64Array;
  /** Volume in units of 10^-volumeDecimals, always >= 1. */
  volumes: Float64Array;
}

// ------------------------------------------------------------------------------------------ random

/** splitmix32 (Java SplittableRandom's 32-bit mixer over a Weyl sequence). */
export class SplitMix32 {
  private state: number;
  constructor(seed: number) {
    this.state = seed | 0;
  }
  /** Next uint32. */
  nextU32(): number {
    this.state = (this.state + 0x9e3779b9) | 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }
  /**
   * Standard normal, by the inverse-CDF table below (linear interpolation between 4097 quantiles, tails
   * cut at ±3.7σ): one integer draw, ~5× faster than Box–Muller, plenty for a market simulation.
   */
  normal(): number {
    const u = this.nextU32();
    const i = u >>> 20;
    const lo = NORMAL_TABLE[i];
    return lo + (NORMAL_TABLE[i + 1] - lo) * ((u & 0xfffff) / 1048576);
  }
}

/** Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - 0.02425) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

const NORMAL_TABLE = new Float64Array(4097);
for (let i = 0; i <= 4096; i++) NORMAL_TABLE[i] = normalQuantile(Math.min(Math.max(i / 4096, 0.1 / 4096), 1 - 0.1 / 4096));
/** exp(0.45·N): log-normal volume noise, indexed like NORMAL_TABLE. */
const VOLUME_NOISE = NORMAL_TABLE.map((x) => Math.exp(0.45 * x));

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A 32-bit seed from integers (any safe integers, negative included). */
export function hashSeed(...parts: number[]): number {
  let h = 0x2545f491;
  for (const p of parts) {
    const lo = p | 0;
    const hi = Math.floor(p / 4294967296) | 0;
    h = fmix32((h ^ fmix32(lo)) + Math.imul(hi, 0x27d4eb2f));
  }
  return h;
}

const symbolHashes = new Map<string, number>();
function symbolHash(code: string): number {
  let h = symbolHashes.get(code);
  if (h === undefined) {
    h = 0x811c9dc5; // FNV-1a
    for (let i = 0; i < code.length; i++) h = Math.imul(h ^ code.charCodeAt(i), 0x01000193);
    h >>>= 0;
    symbolHashes.set(code, h);
  }
  return h;
}

// ------------------------------------------------------------------------------------------- model

const TAU = 6.283185307179586;
const MINUTES = 1440;
const SQRT_DAY = Math.sqrt(MINUTES);
/** Periods (days) and relative amplitudes of the slow drift of the day-start level. */
const DRIFT_PERIODS = [1531, 409, 97, 23];
const DRIFT_AMPS = [1.5, 0.8, 0.4, 0.2];
const YEAR_FACTOR = Math.sqrt(MINUTES * 260); // per-minute vol → rough yearly vol

/** Activity by UTC hour: FX-like markets are quiet in Asia, busy in London/New York. */
const HOUR_ACTIVITY: Record<Market, Float64Array> = {
  fx: hourTable([0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.7, 0.9, 1.3, 1.3, 1.3, 1.3, 1.5, 1.5, 1.6, 1.5, 1.4, 1.1, 1.0, 0.9, 0.8, 0.7, 0.5, 0.5]),
  metal: hourTable([0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.8, 1.0, 1.2, 1.2, 1.2, 1.2, 1.4, 1.6, 1.6, 1.4, 1.2, 1.0, 0.9, 0.9, 0.8, 0.7, 0.5, 0.6]),
  commodity: hourTable([0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.7, 0.9, 1.1, 1.1, 1.1, 1.1, 1.3, 1.6, 1.7, 1.5, 1.3, 1.1, 1.0, 0.9, 0.8, 0.7, 0.5, 0.6]),
  index: hourTable(new Array<number>(24).fill(1)),
  crypto: hourTable([0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.2, 1.2, 1.1, 1.1, 1.0, 1.0, 1.0, 1.0, 0.9, 0.9, 0.9]),
};
function hourTable(values: number[]): Float64Array {
  return Float64Array.from(values);
}

/** Price level (float, in price units) at 00:00 UTC of day `dayIndex` (days since 1970-01-01). */
function dayLevel(inst: SimInstrument, seed: number, sym: number, dayIndex: number): number {
  const yearly = inst.volPerMinute * YEAR_FACTOR;
  let a = 0;
  for (let j = 0; j < DRIFT_PERIODS.length; j++) {
    const phase = (hashSeed(seed, sym, 0x51de + j) / 4294967296) * TAU;
    a += DRIFT_AMPS[j] * yearly * Math.sin((TAU * dayIndex) / DRIFT_PERIODS[j] + phase);
  }
  const noise = new SplitMix32(hashSeed(seed, sym, dayIndex, 0x1e7e1)).normal();
  a += noise * 0.5 * inst.volPerMinute * SQRT_DAY;
  return (inst.price / inst.multiplier) * Math.exp(a);
}

// Scratch buffers, reused across calls (generation is synchronous).
const walk = new Float64Array(MINUTES + 1);

function allocDay(inst: SimInstrument, dayMs: number, capacity: number): SimDay {
  const store = new ArrayBuffer(capacity * 44); // one allocation for the six columns
  const f64 = (i: number) => new Float64Array(store, i * capacity * 8, capacity);
  return { inst, dayMs, n: 0, minutes: new Int32Array(store, capacity * 40, capacity), opens: f64(0), highs: f64(1), lows: f64(2), closes: f64(3), volumes: f64(4) };
}

/** Scratch day reused by the encode-right-away paths (a 60 kB ArrayBuffer per call costs more than generating). */
const scratchDay = allocDay(SIM_INSTRUMENTS[0], 0, MINUTES);

/** All candles of one UTC day (no `now` cut), in fresh arrays the caller may keep. `dayMs` must be 00:00 UTC. */
export function simulateDay(inst: SimInstrument, dayMs: number, seed: number): SimDay {
  const day = fillDay(scratchDay, inst, dayMs, seed);
  const out = allocDay(inst, dayMs, day.n);
  out.n = day.n;
  out.minutes.set(day.minutes.subarray(0, day.n));
  out.opens.set(day.opens.subarray(0, day.n));
  out.highs.set(day.highs.subarray(0, day.n));
  out.lows.set(day.lows.subarray(0, day.n));
  out.closes.set(day.closes.subarray(0, day.n));
  out.volumes.set(day.volumes.subarray(0, day.n));
  return out;
}

/** Generate a day into `day` (capacity 1440); valid until the next call that uses the same target. */
function fillDay(day: SimDay, inst: SimInstrument, dayMs: number, seed: number): SimDay {
  if (dayMs % DAY_MS !== 0 || !Number.isSafeInteger(dayMs)) throw new RangeError(`not a UTC day start: ${dayMs}`);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer: ${seed}`);
  day.inst = inst;
  day.dayMs = dayMs;
  day.n = 0;
  const iv = tradingIntervals(inst, dayMs);
  if (iv.length === 0) return day;

  const sym = symbolHash(inst.code);
  const dayIndex = dayMs / DAY_MS;
  const l0 = dayLevel(inst, seed, sym, dayIndex);
  const l1 = dayLevel(inst, seed, sym, dayIndex + 1);
  const rng = new SplitMix32(hashSeed(seed, sym, dayIndex));
  const activity = HOUR_ACTIVITY[inst.market];
  const sigma = inst.volPerMinute * l0;

  // Random walk over the whole day, then pinned to end at the next day's level (Brownian bridge).
  walk[0] = 0;
  for (let k = 0; k < MINUTES; k++) walk[k + 1] = walk[k] + sigma * activity[(k / 60) | 0] * rng.normal();
  const pull = (l1 - l0 - walk[MINUTES]) / MINUTES;
  for (let k = 0; k <= MINUTES; k++) walk[k] = l0 + walk[k] + pull * k;

  const volPow = 10 ** inst.volumeDecimals;
  const volBase = inst.volumeScale * volPow;
  const { minutes, opens, highs, lows, closes, volumes } = day;
  let n = 0;
  let gapRun = 0;
  for (let i = 0; i < iv.length; i += 2) {
    for (let k = iv[i]; k < iv[i + 1]; k++) {
      const u = rng.next();
      if (gapRun > 0) {
        gapRun--;
        continue;
      }
      if (u < 0.0062) {
        // ~1% of minutes without volume: mostly single minutes, sometimes a run of 2–6.
        if (u >= 0.005) gapRun = 1 + Math.floor(((u - 0.005) / 0.0012) * 5);
        continue;
      }
      const act = activity[(k / 60) | 0];
      const s = sigma * act;
      const prevClose = Math.round(walk[k]);
      let c = Math.round(walk[k + 1]);
      // Two 32-bit draws give four 12-bit-quantile normals (jitter, volume noise, two wicks).
      const r1 = rng.nextU32();
      const r2 = rng.nextU32();
      let o = prevClose + Math.round(0.15 * s * NORMAL_TABLE[r1 >>> 20]);
      if (o < 1) o = 1;
      if (c < 1) c = 1;
      const hi = (o > c ? o : c) + Math.round(0.35 * s * Math.abs(NORMAL_TABLE[r2 >>> 20]));
      let lo = (o < c ? o : c) - Math.round(0.35 * s * Math.abs(NORMAL_TABLE[(r2 >>> 8) & 0xfff]));
      if (lo < 1) lo = 1;
      const move = Math.abs(c - o) / (s > 0 ? s : 1);
      let v = Math.round(volBase * act * (0.6 + 0.5 * move) * VOLUME_NOISE[(r1 >>> 8) & 0xfff]);
      if (v < 1) v = 1;
      minutes[n] = k;
      opens[n] = o;
      highs[n] = hi;
      lows[n] = lo;
      closes[n] = c;
      volumes[n] = v;
      n++;
    }
  }
  day.n = n;
  return day;
}

/** Index range `[from, to)` of the candles of `day` that start at or after `fromMs` and are complete at `nowMs`. */
export function candleRange(day: SimDay, nowMs = Infinity, fromMs = -Infinity): [number, number] {
  const { minutes, dayMs } = day;
  let to = day.n;
  // A candle is complete once its minute has fully passed: start + 60 s <= now.
  while (to > 0 && dayMs + minutes[to - 1] * MINUTE_MS + MINUTE_MS > nowMs) to--;
  let from = 0;
  while (from < to && dayMs + minutes[from] * MINUTE_MS < fromMs) from++;
  return [from, to];
}

// ------------------------------------------------------------------------------------------ encode

const writer = new AsciiWriter(1 << 17);

// Two monomorphic copies (Float64Array prices, Int32Array minutes): one polymorphic function is ~2× slower.
function writeDeltas(w: AsciiWriter, values: Float64Array, from: number, to: number): void {
  w.ensure((to - from) * 25);
  w.buf[w.pos++] = 48; // the first delta is 0
  let prev = values[from];
  for (let i = from + 1; i < to; i++) {
    const v = values[i];
    w.buf[w.pos++] = 44; // ,
    w.intUnchecked(v - prev);
    prev = v;
  }
}

function writeSteps(w: AsciiWriter, minutes: Int32Array, from: number, to: number): void {
  w.ensure((to - from) * 12);
  w.buf[w.pos++] = 48; // times[0] is 0
  for (let i = from + 1; i < to; i++) {
    w.buf[w.pos++] = 44; // ,
    w.intUnchecked(minutes[i] - minutes[i - 1]);
  }
}

/** The day document bytes for candles `[from, to)` of `day`, byte-for-byte in the real service's style. */
export function encodeSimDayBytes(day: SimDay, from = 0, to = day.n): Buffer {
  return writeSimDay(day, from, to).toBuffer();
}

/** encodeSimDayBytes as a string. */
export function encodeSimDay(day: SimDay, from = 0, to = day.n): string {
  const w = writeSimDay(day, from, to);
  return w.buf.toString('latin1', 0, w.pos);
}

function writeSimDay(day: SimDay, from: number, to: number): AsciiWriter {
  const { inst, minutes } = day;
  const w = writer.reset();
  const mult = formatJavaDouble(inst.multiplier);
  if (to <= from) {
    w.text(`{"timestamp":${day.dayMs},"multiplier":${mult},"open":null,"high":null,"low":null,"close":null,"shift":${SHIFT_MS},"times":[],"opens":[],"highs":[],"lows":[],"closes":[],"volumes":[]}`);
    return w;
  }
  const scale = inst.priceScale;
  w.text(`{"timestamp":${day.dayMs + minutes[from] * MINUTE_MS},"multiplier":${mult},"open":`);
  w.scaled(day.opens[from], scale);
  w.text(',"high":');
  w.scaled(day.highs[from], scale);
  w.text(',"low":');
  w.scaled(day.lows[from], scale);
  w.text(',"close":');
  w.scaled(day.closes[from], scale);
  w.text(`,"shift":${SHIFT_MS},"times":[`);
  writeSteps(w, minutes, from, to);
  w.text('],"opens":[');
  writeDeltas(w, day.opens, from, to);
  w.text('],"highs":[');
  writeDeltas(w, day.highs, from, to);
  w.text('],"lows":[');
  writeDeltas(w, day.lows, from, to);
  w.text('],"closes":[');
  writeDeltas(w, day.closes, from, to);
  w.text('],"volumes":[');
  const vd = inst.volumeDecimals;
  w.ensure((to - from) * 33);
  w.scaledUnchecked(day.volumes[from], vd);
  for (let i = from + 1; i < to; i++) {
    w.buf[w.pos++] = 44; // ,
    w.scaledUnchecked(day.volumes[i], vd);
  }
  w.text(']}');
  return w;
}

/** The day document object for candles `[from, to)` of `day` (what `JSON.parse` of encodeSimDay gives). */
export function simDayToJson(day: SimDay, from = 0, to = day.n): DayJson {
  const { inst, minutes } = day;
  const m = Math.max(0, to - from);
  const doc: DayJson = {
    timestamp: m === 0 ? day.dayMs : day.dayMs + minutes[from] * MINUTE_MS,
    multiplier: inst.multiplier,
    open: null,
    high: null,
    low: null,
    close: null,
    shift: SHIFT_MS,
    times: new Array<number>(m),
    opens: new Array<number>(m),
    highs: new Array<number>(m),
    lows: new Array<number>(m),
    closes: new Array<number>(m),
    volumes: new Array<number>(m),
  };
  if (m === 0) return doc;
  const pow = 10 ** inst.priceScale;
  const vpow = 10 ** inst.volumeDecimals;
  doc.open = day.opens[from] / pow;
  doc.high = day.highs[from] / pow;
  doc.low = day.lows[from] / pow;
  doc.close = day.closes[from] / pow;
  for (let i = 0; i < m; i++) {
    const j = from + i;
    const first = i === 0;
    doc.times[i] = first ? 0 : minutes[j] - minutes[j - 1];
    doc.opens[i] = first ? 0 : day.opens[j] - day.opens[j - 1];
    doc.highs[i] = first ? 0 : day.highs[j] - day.highs[j - 1];
    doc.lows[i] = first ? 0 : day.lows[j] - day.lows[j - 1];
    doc.closes[i] = first ? 0 : day.closes[j] - day.closes[j - 1];
    doc.volumes[i] = day.volumes[j] / vpow;
  }
  return doc;
}

/**
 * One simulated day as the real service would answer it (`/v1/candles/minute/{CODE}/BID/{Y}/{M}/{D}`).
 * `symbol` is `EUR/USD` (or `EUR-USD`), `dayMs` 00:00 UTC of the day. With `nowMs`, only candles complete at
 * that instant are included (a day after `nowMs` is empty). Unknown symbol: CandleError `UNKNOWN_SYMBOL`.
 */
export function generateDay(symbol: string, dayMs: number, seed: number, nowMs?: number): DayJson {
  const day = fillDay(scratchDay, getInstrument(symbol), dayMs, seed);
  const [from, to] = candleRange(day, nowMs);
  return simDayToJson(day, from, to);
}

/** generateDay as the exact response text; `fromMs` keeps only candles starting at or after it (`?from=`); `opts.side` the side. */
export function generateDayText(symbol: string, dayMs: number, seed: number, opts: DayOptions = {}): string {
  const day = answerDay(getInstrument(symbol), dayMs, seed, opts);
  const [from, to] = candleRange(day, opts.nowMs, opts.fromMs);
  return encodeSimDay(day, from, to);
}

/** The response body bytes for one day of `inst` (what the server sends); see generateDayText. */
export function generateDayBytes(inst: SimInstrument, dayMs: number, seed: number, opts: DayOptions = {}): Buffer {
  const day = answerDay(inst, dayMs, seed, opts);
  const [from, to] = candleRange(day, opts.nowMs, opts.fromMs);
  return encodeSimDayBytes(day, from, to);
}

export interface DayOptions {
  /** The request's now: only candles complete at it (and revisions as of it). */
  nowMs?: number;
  /** Keep only candles starting at or after it (`?from=`). */
  fromMs?: number;
  /** Probability per candle of a revision (revise.ts); 0 = none. */
  revise?: number;
  /** The side asked for (sides.ts): ASK is the BID answer plus a spread. Default BID. */
  side?: SimSide;
  /** Fraction of minutes missing on one side (sides.ts); 0 (default) = both sides have the same minutes. */
  oneSidedRate?: number;
}

/** The day as answered at opts.nowMs: generated, then revised when opts.revise > 0 (scratch storage). */
function answerDay(inst: SimInstrument, dayMs: number, seed: number, opts: DayOptions): SimDay {
  const day = fillDay(scratchDay, inst, dayMs, seed);
  const rev = revisionOf(opts.revise ?? 0, dayMs, opts.nowMs ?? Infinity);
  if (rev) reviseDay(day, rev, hashSeed(seed, symbolHash(inst.code), dayMs / DAY_MS), hashSeed);
  const side = opts.side ?? 'BID';
  const sideKey = hashSeed(seed, symbolHash(inst.code), dayMs / DAY_MS, 0xa5);
  if (side === 'ASK') applyAsk(day, sideKey, symbolHash(inst.code), HOUR_ACTIVITY[inst.market], hashSeed);
  if (opts.oneSidedRate) dropOneSided(day, side, opts.oneSidedRate, sideKey, hashSeed);
  return day;
}

/** Any DayJson as text in the real service's style (key order, Java-style floats). */
export function formatDayJson(doc: DayJson): string {
  const base = (v: number | null) => (v === null ? 'null' : formatJavaDouble(v));
  return (
    `{"timestamp":${doc.timestamp},"multiplier":${formatJavaDouble(doc.multiplier)}` +
    `,"open":${base(doc.open)},"high":${base(doc.high)},"low":${base(doc.low)},"close":${base(doc.close)}` +
    `,"shift":${doc.shift},"times":[${doc.times.join(',')}],"opens":[${doc.opens.join(',')}]` +
    `,"highs":[${doc.highs.join(',')}],"lows":[${doc.lows.join(',')}],"closes":[${doc.closes.join(',')}]` +
    `,"volumes":[${doc.volumes.map(formatJavaDouble).join(',')}]}`
  );
}
