// The one CSV text encoder of records, shared by the store's CSV mirror (store/csv.ts, aggregate/csvMirror.ts)
// and the text exports (`build --csv`/`--mt4`, `show --csv`: build/csvFormat.ts). Three line forms:
//   mirror := YYYY-MM-DD HH:MM "," open "," high "," low "," close "," volume "\n"
//   csv    := [symbol "," timeframe ","] YYYY-MM-DD HH:MM:SS "," open "," high "," low "," close "," volume "\n"
//   mt4    := YYYY.MM.DD "," HH:MM "," open "," high "," low "," close "," volume "\n"
// (csv and mt4 lines may end with a spread column, `build --spread`.)
// Prices are exactly `price.toFixed(decimals)`, computed with integer arithmetic when the double lies within
// a quarter unit of the last digit of a decimal with that many digits (every price the transform writes is
// the double nearest to one; a mid of two such is within a few ulps): toFixed picks that decimal, and
// rounding price·10^d finds it 2-3x faster. Any other double (checked per price) takes toFixed itself.
// Volume is exactly String(volume), the shortest text that reads back as the same double. Times are store
// times printed as they are labelled (UTC or broker time), without a zone suffix.
// Bytes go straight into one reused buffer (no per-line strings: building strings cost more than the rest
// of an export, mostly in GC); `flush` receives each filled part and must consume or copy it.
import { DAY_MS } from '../util/dates.js';
import type { RecordChunk } from './chunk.js';

export type CsvFlavor = 'csv' | 'mt4' | 'mirror';

// The longest line with a fast-path price: a prefix (symbol ≤ 23, timeframe ≤ 7), the time, four prices of
// at most 16 digits and a point, a volume (≤ 24 characters as String() prints doubles) and separators. A
// price that falls back to toFixed can be longer (up to 100 decimals): lines are checked against this.
const MAX_LINE = 256;
const ZERO = 48;
const COMMA = 44;
const NEWLINE = 10;
/** Below 2^50, price·10^d is computed within 1/8 of its exact value (see price()). */
const EXACT_UNITS = 1125899906842624;
/** Above this many decimals 10^d is not an exact double: toFixed always. */
const MAX_FAST_DECIMALS = 15;

export class CsvEncoder {
  private readonly buf: Buffer;
  private pos = 0;
  private readonly scale: number;
  private readonly prefix: Buffer;
  private readonly seconds: boolean;
  private readonly dateSep: number;
  /** Decimals of the spread column (the store's; mid prices carry one more), when lines have one. */
  spreadDecimals: number | undefined;
  private day = Number.NaN;
  private readonly dayBytes = Buffer.alloc(10);
  private readonly digits = new Uint8Array(24);

  constructor(
    private readonly decimals: number,
    private readonly flavor: CsvFlavor,
    prefix: { symbol: string; timeframe: string } | undefined,
    private readonly flush: (bytes: Buffer) => void,
    capacity = 1 << 20,
  ) {
    if (!Number.isInteger(decimals) || decimals < 0 || decimals > 100) throw new RangeError(`price decimals ${decimals} outside 0..100`);
    this.buf = Buffer.allocUnsafe(Math.max(capacity, 4 * MAX_LINE));
    this.scale = 10 ** decimals;
    this.prefix = Buffer.from(prefix ? `${prefix.symbol},${prefix.timeframe},` : '', 'latin1');
    if (this.prefix.length > 64) throw new RangeError(`CSV line prefix ${JSON.stringify(this.prefix.toString('latin1'))} is too long`);
    this.seconds = flavor === 'csv';
    this.dateSep = flavor === 'mt4' ? COMMA : 32;
  }

  /** Encode records [from, to) of `records`; with `spread`, its value for each record ends the line. */
  encodeRecords(records: RecordChunk, from = 0, to = records.count, spread?: Float64Array): void {
    if (spread && this.spreadDecimals === undefined) throw new Error('a spread column needs spreadDecimals');
    const b = this.buf;
    const limit = b.length - MAX_LINE;
    const f64 = records.f64;
    for (let i = from; i < to; i++) {
      if (this.pos > limit) this.drain();
      let p = this.pos;
      // Byte loops, not Buffer#copy/write: a native call per field cost more than the bytes themselves.
      const prefix = this.prefix;
      for (let k = 0; k < prefix.length; k++) b[p++] = prefix[k];
      p = this.time(records.ts(i), p);
      // Word offsets as literals (store/format.ts W_*): open 1, high 2, low 3, close 4, volume 5.
      const w = i * 8;
      b[p++] = COMMA;
      p = this.price(f64[w + 1], p);
      b[p++] = COMMA;
      p = this.price(f64[w + 2], p);
      b[p++] = COMMA;
      p = this.price(f64[w + 3], p);
      b[p++] = COMMA;
      p = this.price(f64[w + 4], p);
      b[p++] = COMMA;
      p = this.volume(f64[w + 5], p);
      if (spread) {
        b[p++] = COMMA;
        p = this.price(spread[i], p, this.spreadDecimals!);
      }
      b[p++] = NEWLINE;
      this.pos = p;
    }
  }

  /** Hand over what is buffered. */
  end(): void {
    this.drain();
  }

  private drain(): void {
    if (this.pos === 0) return;
    this.flush(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }

  /** `YYYY-MM-DD HH:MM:SS`, the mirror's `YYYY-MM-DD HH:MM` or MetaTrader's `YYYY.MM.DD,HH:MM`. */
  private time(ts: number, p: number): number {
    const b = this.buf;
    const day = Math.floor(ts / DAY_MS) * DAY_MS;
    if (day !== this.day) {
      this.day = day;
      const iso = new Date(day).toISOString().slice(0, 10);
      this.dayBytes.write(this.flavor === 'mt4' ? iso.replaceAll('-', '.') : iso, 0, 'latin1');
    }
    const dayBytes = this.dayBytes;
    for (let k = 0; k < 10; k++) b[p++] = dayBytes[k];
    b[p++] = this.dateSep;
    const s = Math.floor((ts - day) / 1000);
    const h = Math.floor(s / 3600);
    const m = Math.floor(s / 60) % 60;
    b[p++] = ZERO + Math.floor(h / 10);
    b[p++] = ZERO + (h % 10);
    b[p++] = 58;
    b[p++] = ZERO + Math.floor(m / 10);
    b[p++] = ZERO + (m % 10);
    if (this.seconds) {
      const sec = s % 60;
      b[p++] = 58;
      b[p++] = ZERO + Math.floor(sec / 10);
      b[p++] = ZERO + (sec % 10);
    }
    return p;
  }

  /**
   * `v.toFixed(decimals)`. toFixed picks the integer n nearest to |v|·10^d. Integer path when x = |v|·10^d
   * as computed lies within 1/4 of units = round(x) < 2^50: the product's rounding error is at most
   * 2^-53·2^50 = 1/8, so the exact value is within 3/8 < 1/2 of units, which is then that n. Everything else
   * (halfway cases, NaN, ±Infinity, huge values, more than 15 decimals) prints toFixed's own text.
   */
  private price(v: number, p: number, decimals = this.decimals): number {
    const b = this.buf;
    const a = v < 0 ? -v : v;
    const x = a * (decimals === this.decimals ? this.scale : 10 ** decimals);
    const units = Math.round(x);
    if (!(decimals <= MAX_FAST_DECIMALS && units < EXACT_UNITS && x - units <= 0.25 && units - x <= 0.25)) return this.text(v.toFixed(decimals), p);
    if (v < 0) b[p++] = 45;
    const d = this.digits;
    let n = 0;
    if (units < 2147483648) {
      // Every digit of price·10^decimals with 32-bit integer steps (all but extreme prices).
      let u = units;
      do {
        d[n++] = ZERO + (u % 10);
        u = (u / 10) | 0;
      } while (u > 0);
    } else {
      let u = units;
      do {
        d[n++] = ZERO + (u % 10);
        u = Math.floor(u / 10);
      } while (u > 0);
    }
    while (n <= decimals) d[n++] = ZERO;
    while (n > decimals) b[p++] = d[--n];
    if (decimals > 0) {
      b[p++] = 46;
      while (n > 0) b[p++] = d[--n];
    }
    return p;
  }

  /**
   * The volume as String() prints it (the shortest text that reads back as the same double). Fast path for
   * 0 ≤ v < 1e9 with at most 6 decimals: there, distinct 6-decimal numbers are distinct doubles (an ulp is
   * below 2.5e-7), so the trimmed 6-decimal form is the shortest round trip and String()'s own digits.
   */
  private volume(v: number, p: number): number {
    const b = this.buf;
    if (v >= 0 && v < 1e9) {
      const whole = Math.floor(v);
      const micro = Math.round((v - whole) * 1e6);
      if (micro < 1e6 && whole + micro / 1e6 === v && (whole * 1e6 + micro) / 1e6 === v) {
        const d = this.digits;
        let n = 0;
        let u = whole;
        do {
          d[n++] = ZERO + (u % 10);
          u = (u / 10) | 0;
        } while (u > 0);
        while (n > 0) b[p++] = d[--n];
        if (micro > 0) {
          b[p++] = 46;
          let f = micro;
          let digits = 6;
          while (f % 10 === 0) {
            f = (f / 10) | 0;
            digits--;
          }
          for (let k = digits - 1; k >= 0; k--) {
            d[k] = ZERO + (f % 10);
            f = (f / 10) | 0;
          }
          for (let k = 0; k < digits; k++) b[p++] = d[k];
        }
        return p;
      }
    }
    return this.text(String(v), p);
  }

  /** Latin-1 text at p; a long one (toFixed with many decimals) first makes room. */
  private text(text: string, p: number): number {
    if (p + text.length + MAX_LINE > this.buf.length) {
      // Move the line begun at this.pos out first: flush what precedes it, then carry it to the front.
      const start = this.pos;
      const begun = Buffer.from(this.buf.subarray(start, p));
      this.drain();
      begun.copy(this.buf, 0);
      p = begun.length;
      if (p + text.length + MAX_LINE > this.buf.length) throw new RangeError(`CSV field of ${text.length} characters does not fit the encoder's buffer`);
    }
    const b = this.buf;
    for (let k = 0; k < text.length; k++) b[p++] = text.charCodeAt(k);
    return p;
  }
}
