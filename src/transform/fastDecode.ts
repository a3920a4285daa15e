// The transform's fast path: a day document in exactly the shape the Dukascopy service writes it
//   {"timestamp":INT,"multiplier":NUM,"open":NUM,"high":NUM,"low":NUM,"close":NUM,"shift":INT,
//    "times":[INT,…],"opens":[INT,…],"highs":[…],"lows":[…],"closes":[…],"volumes":[NUM,…]}
// (that key order, no whitespace, null bases only on an empty day) is read in one pass over its bytes, and
// the candles go straight into the day file's buffer: no string, no JS arrays, no object per candle.
// JSON.parse of the same text plus decodeDay cost about twice the CPU per day (measured in one process on
// the bench's 10 symbols: 268 µs against 130 µs a day; JSON.parse alone is most of the 268).
//
// It never decides anything on its own: a document it does not recognise (another key order, whitespace,
// an unknown or missing key, a number it cannot read exactly, a truncation) and every day that decodeDay
// would refuse make it return undefined, and decodeDayBytes then takes the JSON.parse path, which gives
// today's validation and error messages. What it returns is byte for byte what that path returns
// (test/transform/fastDecode.test.ts feeds both thousands of real, simulated and mutated days).
//
// Numbers. Integers (timestamp, shift, times, price deltas) must be plain `-?[1-9][0-9]*` or `0`, at most 15
// digits (exact in a double), no `-0`. The other numbers (multiplier, base prices, volumes; the service
// prints them Java style: `1.14331`, `27.0`, `1.0E-5`, `1.01E-4`) are read as an integer m of at most 15
// significant digits times 10^e with |e| ≤ 22: both are exact doubles, so m / 10^-e (or m · 10^e) is one
// correctly rounded operation, the same double JSON.parse gives (Clinger's fast path). Anything else,
// and any minus sign there (no valid volume, base or multiplier is negative), falls back.
import { crc32 } from 'node:zlib';
import { parseDayJson } from '../dukascopy/dayJson.js';
import { HEADER_SIZE, RECORD_SIZE, encodeHeader } from '../store/format.js';
import { DAY_MS } from '../util/dates.js';
import { decodeDay, multiplierDecimals, rescale, type DecodedDay, type DecodeOptions } from './decode.js';

/**
 * Decode a raw day document (the bytes of a cached or live day) into its 1m day file. The fast path when
 * the document has the service's exact shape, else JSON.parse + decodeDay; same result and same errors
 * either way (CorruptFileError naming `opts.file`).
 */
export function decodeDayBytes(bytes: Uint8Array, opts: DecodeOptions, into: Into = 'own'): DecodedDay {
  return decodeDayFast(bytes, opts, into) ?? decodeDayParsed(bytes, opts);
}

/** The JSON.parse path alone (decodeDayBytes' fallback; tests compare the two). */
export function decodeDayParsed(bytes: Uint8Array, opts: DecodeOptions): DecodedDay {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return decodeDay(parseDayJson(text, opts.file, 'Transform'), opts);
}

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const K_TIMESTAMP = ascii('{"timestamp":');
const K_MULTIPLIER = ascii(',"multiplier":');
const K_OPEN = ascii(',"open":');
const K_HIGH = ascii(',"high":');
const K_LOW = ascii(',"low":');
const K_CLOSE = ascii(',"close":');
const K_SHIFT = ascii(',"shift":');
const K_TIMES = ascii(',"times":[');
const K_OPENS = ascii(',"opens":[');
const K_HIGHS = ascii(',"highs":[');
const K_LOWS = ascii(',"lows":[');
const K_CLOSES = ascii(',"closes":[');
const K_VOLUMES = ascii(',"volumes":[');
const K_NULL = ascii('null');

const COMMA = 44;
const CLOSE_BRACKET = 93;
const CLOSE_BRACE = 125;
/** Returned by the readers for anything they do not accept (every value they accept is ≥ 0). */
const NO = -1;
/** readBase: the literal null. */
const NULL = -2;
const MAX_DIGITS = 15;
const MAX_EXP = 22;
const POW10 = Array.from({ length: MAX_EXP + 1 }, (_, i) => 10 ** i);
const MINUTE_MS = 60_000;

/**
 * Where decodeDayBytes builds the day file: 'own' = a buffer of its own (the caller may keep it), 'scratch'
 * = this thread's reused buffer, valid until the next 'scratch' call (no allocation, no garbage: for a caller
 * that writes the file and forgets it). The JSON.parse fallback always returns a buffer of its own.
 */
export type Into = 'own' | 'scratch';

/** The reused day-file buffer of 'scratch' decodes (every byte of a day file is written before it is read). */
let scratch = new ArrayBuffer(HEADER_SIZE + 1440 * RECORD_SIZE);

/** Where the last read number ended (the readers return the value itself). */
let end = 0;
/** Candle times of the day being decoded (epoch ms, before the shift); grows, never shrinks, per thread. */
let times = new Float64Array(2048);

/**
 * The day file of `bytes` when the document has the service's exact shape and decodeDay would accept it,
 * else undefined (the caller takes the JSON.parse path, which explains what is wrong).
 */
export function decodeDayFast(b: Uint8Array, opts: DecodeOptions, into: Into = 'own'): DecodedDay | undefined {
  const len = b.length;
  // The document must end in `]}`: then no scan below can run past its end (each stops at that `]`).
  if (len < 2 || b[len - 1] !== CLOSE_BRACE || b[len - 2] !== CLOSE_BRACKET) return undefined;

  let p = literal(b, 0, K_TIMESTAMP);
  const timestamp = p < 0 ? NO : readUint(b, p);
  if (timestamp === NO) return undefined;
  p = literal(b, end, K_MULTIPLIER);
  const multiplier = p < 0 ? NO : readUfloat(b, p);
  if (!(multiplier > 0)) return undefined;
  p = literal(b, end, K_OPEN);
  const open = p < 0 ? NO : readBase(b, p);
  p = open === NO ? NO : literal(b, end, K_HIGH);
  const high = p < 0 ? NO : readBase(b, p);
  p = high === NO ? NO : literal(b, end, K_LOW);
  const low = p < 0 ? NO : readBase(b, p);
  p = low === NO ? NO : literal(b, end, K_CLOSE);
  const close = p < 0 ? NO : readBase(b, p);
  p = close === NO ? NO : literal(b, end, K_SHIFT);
  const shift = p < 0 ? NO : readUint(b, p);
  if (!(shift > 0)) return undefined;
  p = literal(b, end, K_TIMES);
  if (p < 0) return undefined;
  p = readTimes(b, p, timestamp, shift);
  if (p < 0) return undefined;
  const n = timesCount;

  // decodeDay's checks that do not depend on the candles: any failure is its to explain.
  const k = multiplierDecimals(multiplier);
  if (k === undefined) return undefined;
  // A day the fit refuses ('exact': another multiplier; 'scale': one finer than the price scale) goes to the
  // JSON.parse path, which words the error.
  if (n > 0 && (opts.decimals === undefined || (opts.fit === 'exact' && k !== opts.decimals) || (opts.fit === 'scale' && k > opts.decimals))) return undefined;
  const decimals = opts.decimals ?? 0;
  let o0 = 0, h0 = 0, l0 = 0, c0 = 0;
  if (n > 0) {
    o0 = baseUnits(open, k);
    h0 = baseUnits(high, k);
    l0 = baseUnits(low, k);
    c0 = baseUnits(close, k);
    if (o0 === NO || h0 === NO || l0 === NO || c0 === NO) return undefined;
  }

  // Rows are read into record slots of the day file itself (price units in the OHLC words, the volume in
  // its own), then compacted in place into records: record j ≤ row i, so a slot is read before it is written.
  const size = HEADER_SIZE + n * RECORD_SIZE;
  let buffer: ArrayBuffer;
  if (into === 'own') {
    buffer = new ArrayBuffer(size);
  } else {
    if (scratch.byteLength < size) scratch = new ArrayBuffer(Math.max(size, 2 * scratch.byteLength));
    buffer = scratch;
  }
  const f64 = new Float64Array(buffer, HEADER_SIZE);
  p = literal(b, p, K_OPENS);
  if (p >= 0) p = readDeltas(b, p, f64, 1, o0, n);
  if (p >= 0) p = literal(b, p, K_HIGHS);
  if (p >= 0) p = readDeltas(b, p, f64, 2, h0, n);
  if (p >= 0) p = literal(b, p, K_LOWS);
  if (p >= 0) p = readDeltas(b, p, f64, 3, l0, n);
  if (p >= 0) p = literal(b, p, K_CLOSES);
  if (p >= 0) p = readDeltas(b, p, f64, 4, c0, n);
  if (p >= 0) p = literal(b, p, K_VOLUMES);
  if (p >= 0) p = readVolumes(b, p, f64, n);
  if (p !== len - 1) return undefined; // the `}` that ends the document must come right after `volumes`

  // decodeDay's loop, on the same doubles in the same order. Its time checks need no loop: times only
  // increase (every step after the first ≥ 1, shift > 0), so the first and the last bound them all, and all
  // are on a minute when the timestamp and the shift are (exact integers: they are below the day's end).
  const dayStart = opts.day;
  const dayEnd = opts.day + DAY_MS;
  const t = times;
  if (n > 0 && (t[0] < dayStart || t[n - 1] >= dayEnd || timestamp % MINUTE_MS !== 0 || shift % MINUTE_MS !== 0)) return undefined;
  const valueDecimals = Math.min(k, decimals);
  const rounded = valueDecimals !== k;
  const scale = 10 ** valueDecimals;
  const u32 = new Uint32Array(buffer, HEADER_SIZE);
  const shiftOf = opts.shift;
  let count = 0;
  let zeroVolumeDropped = 0;
  let overlapDropped = 0;
  let lastTs = -Infinity;
  for (let i = 0; i < n; i++) {
    const w = i * 8;
    const o = f64[w + 1], h = f64[w + 2], l = f64[w + 3], c = f64[w + 4], volume = f64[w + 5];
    if (!(o > 0 && h > 0 && l > 0 && c > 0) || h < l || o > h || o < l || c > h || c < l) return undefined;
    if (volume === 0) {
      zeroVolumeDropped++;
      continue;
    }
    const ti = t[i];
    const ts = ti + shiftOf(ti);
    if (ts <= lastTs) {
      overlapDropped++;
      continue;
    }
    lastTs = ts;
    if (!(ts >= 0)) return undefined; // BinBuilder refuses it: let decodeDay say so
    const r = count * 8;
    if (rounded) {
      f64[r + 1] = rescale(o, k, valueDecimals) / scale;
      f64[r + 2] = rescale(h, k, valueDecimals) / scale;
      f64[r + 3] = rescale(l, k, valueDecimals) / scale;
      f64[r + 4] = rescale(c, k, valueDecimals) / scale;
    } else {
      f64[r + 1] = o / scale;
      f64[r + 2] = h / scale;
      f64[r + 3] = l / scale;
      f64[r + 4] = c / scale;
    }
    f64[r + 5] = volume;
    const r32 = count * 16;
    // BinBuilder's ts % 2^32 is ToUint32 of ts (≥ 0): >>> 0 gives it without a floating-point modulo.
    u32[r32] = ts >>> 0;
    u32[r32 + 1] = Math.floor(ts / 4294967296);
    // src = the candle's row in the JSON arrays (< 2^32); origin 0, flags 0, one source row.
    u32[r32 + 12] = i;
    u32[r32 + 13] = 0;
    u32[r32 + 14] = 0;
    u32[r32 + 15] = 1;
    count++;
  }
  // An empty day written before the decimals are known records no definition (as decodeDay).
  const bin = Buffer.from(buffer, 0, HEADER_SIZE + count * RECORD_SIZE);
  const definition = opts.decimals === undefined ? 0 : opts.definition;
  bin.set(encodeHeader({ timeframe: '1m', symbol: opts.symbol, decimals, definition, bodyCrc: crc32(bin.subarray(HEADER_SIZE)) }), 0);
  return { bin, count, decimals, zeroVolumeDropped, overlapDropped };
}

/** Position after `lit` when the bytes at p are exactly it, else NO. */
function literal(b: Uint8Array, p: number, lit: Uint8Array): number {
  const n = lit.length;
  if (p + n > b.length) return NO;
  for (let i = 0; i < n; i++) if (b[p + i] !== lit[i]) return NO;
  return p + n;
}

/** A plain non-negative integer at p (sets `end`), or NO. */
function readUint(b: Uint8Array, p: number): number {
  let c = b[p];
  if (c === 48) {
    end = p + 1;
    c = b[p + 1];
    return c >= 48 && c <= 57 ? NO : 0;
  }
  if (!(c >= 49 && c <= 57)) return NO;
  let v = 0;
  let digits = 0;
  do {
    v = v * 10 + (c - 48);
    c = b[++p];
  } while (c >= 48 && c <= 57 && ++digits < MAX_DIGITS);
  if (c >= 48 && c <= 57) return NO;
  end = p;
  return v;
}

/**
 * A non-negative JSON number at p as JSON.parse reads it (sets `end`), or NO when it is not one or not
 * exactly readable here (over 15 significant digits, exponent beyond ±22 after the point is moved).
 */
function readUfloat(b: Uint8Array, p: number): number {
  let c = b[p];
  let m = 0;
  let digits = 0;
  let exp = 0;
  if (c === 48) {
    c = b[++p];
  } else if (c >= 49 && c <= 57) {
    do {
      m = m * 10 + (c - 48);
      digits++;
      c = b[++p];
    } while (c >= 48 && c <= 57);
  } else {
    return NO;
  }
  if (c === 46) {
    c = b[++p];
    if (!(c >= 48 && c <= 57)) return NO;
    do {
      m = m * 10 + (c - 48);
      if (m !== 0) digits++; // leading zeros of 0.000114 are not significant
      exp--;
      c = b[++p];
    } while (c >= 48 && c <= 57);
  }
  if (c === 69 || c === 101) {
    c = b[++p];
    let negative = false;
    if (c === 45) {
      negative = true;
      c = b[++p];
    } else if (c === 43) {
      c = b[++p];
    }
    if (!(c >= 48 && c <= 57)) return NO;
    let e = 0;
    do {
      e = e * 10 + (c - 48);
      if (e > 999) return NO;
      c = b[++p];
    } while (c >= 48 && c <= 57);
    exp += negative ? -e : e;
  }
  if (digits > MAX_DIGITS || exp < -MAX_EXP || exp > MAX_EXP) return NO;
  end = p;
  return exp < 0 ? m / POW10[-exp] : m * POW10[exp];
}

/** A base price: null (NULL) or a non-negative number (sets `end`), or NO. */
function readBase(b: Uint8Array, p: number): number {
  if (b[p] === 110) {
    const q = literal(b, p, K_NULL);
    if (q < 0) return NO;
    end = q;
    return NULL;
  }
  return readUfloat(b, p);
}

/** decodeDay's base check: the price in multiplier units, or NO (null, not positive, or off the grid). */
function baseUnits(v: number, k: number): number {
  if (v === NULL || v === NO) return NO;
  const pow = 10 ** k;
  const units = Math.round(v * pow);
  if (!(v > 0) || Math.abs(units / pow - v) > 1e-9 * Math.max(1, v)) return NO;
  return units;
}

let timesCount = 0;

/**
 * The `times` values from p up to and with the `]` into `times` as candle times (timestamp + Σ step·shift,
 * decodeDay's arithmetic); sets timesCount. Returns the position after `]`, or NO (also for a step decodeDay
 * refuses: only times[0] may be 0).
 */
function readTimes(b: Uint8Array, p: number, timestamp: number, shift: number): number {
  timesCount = 0;
  if (b[p] === CLOSE_BRACKET) return p + 1;
  let t = timestamp;
  let out = times;
  let n = 0;
  for (;;) {
    let c = b[p++];
    let step = c - 48;
    if (step === 0) {
      if (n > 0) return NO;
      c = b[p++];
    } else if (step > 0 && step <= 9) {
      let digits = 1;
      c = b[p++];
      let d = c - 48;
      while (d >= 0 && d <= 9) {
        if (++digits > MAX_DIGITS) return NO;
        step = step * 10 + d;
        c = b[p++];
        d = c - 48;
      }
    } else {
      return NO;
    }
    t += step * shift;
    if (n === out.length) {
      const grown = new Float64Array(out.length * 2);
      grown.set(out);
      times = out = grown;
    }
    out[n++] = t;
    if (c === COMMA) continue;
    if (c !== CLOSE_BRACKET) return NO;
    timesCount = n;
    return p;
  }
}

/**
 * Exactly n integer deltas from p up to and with the `]`, summed from `base` (decodeDay's arithmetic) into
 * word `word` of each 8-word row of `rows`. Returns the position after `]`, or NO.
 */
function readDeltas(b: Uint8Array, p: number, rows: Float64Array, word: number, base: number, n: number): number {
  if (n === 0) return b[p] === CLOSE_BRACKET ? p + 1 : NO;
  let acc = base;
  let w = word;
  const stop = word + n * 8;
  for (;;) {
    let c = b[p++];
    let sign = 1;
    if (c === 45) {
      sign = -1;
      c = b[p++];
    }
    let v = c - 48;
    if (v === 0) {
      if (sign < 0) return NO; // -0
      c = b[p++];
    } else if (v > 0 && v <= 9) {
      let digits = 1;
      c = b[p++];
      let d = c - 48;
      while (d >= 0 && d <= 9) {
        if (++digits > MAX_DIGITS) return NO;
        v = v * 10 + d;
        c = b[p++];
        d = c - 48;
      }
    } else {
      return NO;
    }
    acc = sign < 0 ? acc - v : acc + v;
    rows[w] = acc;
    w += 8;
    if (c === COMMA) {
      if (w === stop) return NO; // more values than times
      continue;
    }
    return c === CLOSE_BRACKET && w === stop ? p : NO;
  }
}

/**
 * Exactly n volumes from p up to and with the `]` into word 5 of each row (readUfloat's rules, inlined: this
 * is the longest array). Returns the position after `]`, or NO.
 */
function readVolumes(b: Uint8Array, p: number, rows: Float64Array, n: number): number {
  if (n === 0) return b[p] === CLOSE_BRACKET ? p + 1 : NO;
  let w = 5;
  const stop = 5 + n * 8;
  for (;;) {
    let c = b[p++];
    let m = c - 48;
    let digits = 1;
    let exp = 0;
    if (m === 0) {
      digits = 0;
      c = b[p++];
    } else if (m > 0 && m <= 9) {
      c = b[p++];
      let d = c - 48;
      while (d >= 0 && d <= 9) {
        m = m * 10 + d;
        digits++;
        c = b[p++];
        d = c - 48;
      }
    } else {
      return NO;
    }
    if (c === 46) {
      c = b[p++];
      let d = c - 48;
      if (!(d >= 0 && d <= 9)) return NO;
      do {
        m = m * 10 + d;
        if (m !== 0) digits++; // leading zeros of 0.000114 are not significant
        exp--;
        c = b[p++];
        d = c - 48;
      } while (d >= 0 && d <= 9);
    }
    if (c === 69 || c === 101) {
      c = b[p++];
      let sign = 1;
      if (c === 45) {
        sign = -1;
        c = b[p++];
      } else if (c === 43) {
        c = b[p++];
      }
      let d = c - 48;
      if (!(d >= 0 && d <= 9)) return NO;
      let e = 0;
      do {
        e = e * 10 + d;
        if (e > 999) return NO;
        c = b[p++];
        d = c - 48;
      } while (d >= 0 && d <= 9);
      exp += sign * e;
    }
    if (digits > MAX_DIGITS || exp < -MAX_EXP || exp > MAX_EXP) return NO;
    rows[w] = exp < 0 ? m / POW10[-exp] : m * POW10[exp];
    w += 8;
    if (c === COMMA) {
      if (w === stop) return NO; // more values than times
      continue;
    }
    return c === CLOSE_BRACKET && w === stop ? p : NO;
  }
}
