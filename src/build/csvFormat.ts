// Text forms of bars for `build --csv` and `show`:
//   csv  := header? line*
//   line := [symbol "," timeframe ","] YYYY-MM-DD HH:MM:SS "," open "," high "," low "," close "," volume "\n"
//   mt4  := YYYY.MM.DD "," HH:MM "," open "," high "," low "," close "," volume "\n"   (no header)
// Prices are printed with the store's decimals from integer arithmetic (the stored double is the one nearest
// to a decimal with that many digits, so rounding price·10^d recovers it exactly): never 1.1000000000000001,
// and 2-3x faster than toFixed. Volume is the shortest text that reads back as the same double.
// Times are store times printed as they are labelled (UTC or broker time), without a zone suffix.
import { DAY_MS } from '../util/dates.js';
import type { BarChunk } from '../store/open.js';

export const CSV_COLUMNS = ['symbol', 'timeframe', 'time', 'open', 'high', 'low', 'close', 'volume'] as const;

/** Prices with a fixed number of decimals, as the decimal the store holds. */
export function priceFormatter(decimals: number): (price: number) => string {
  if (decimals === 0) return (p) => String(Math.round(p));
  const scale = 10 ** decimals;
  const zeros = '0'.repeat(decimals);
  return (p) => {
    const units = Math.round(Math.abs(p) * scale);
    const whole = Math.floor(units / scale);
    const frac = String(units - whole * scale);
    return `${p < 0 && units !== 0 ? '-' : ''}${whole}.${frac.length === decimals ? frac : zeros.slice(frac.length) + frac}`;
  };
}

const two = (n: number) => (n < 10 ? `0${n}` : String(n));

/** Memoises the date part per day: consecutive bars share it. */
export class TimeFormatter {
  private day = Number.NaN;
  private dayText = '';
  constructor(private readonly dateSep: '-' | '.' = '-') {}

  private date(ts: number): number {
    const day = Math.floor(ts / DAY_MS) * DAY_MS;
    if (day !== this.day) {
      this.day = day;
      const iso = new Date(day).toISOString();
      this.dayText = this.dateSep === '-' ? iso.slice(0, 10) : `${iso.slice(0, 4)}.${iso.slice(5, 7)}.${iso.slice(8, 10)}`;
    }
    return ts - day;
  }

  /** `YYYY-MM-DD HH:MM:SS` */
  dateTime(ts: number): string {
    const ms = this.date(ts);
    const s = Math.floor(ms / 1000);
    return `${this.dayText} ${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
  }

  /** `YYYY.MM.DD,HH:MM` (MetaTrader). */
  mt4(ts: number): string {
    const ms = this.date(ts);
    const m = Math.floor(ms / 60_000);
    return `${this.dayText},${two(Math.floor(m / 60))}:${two(m % 60)}`;
  }
}

export type CsvFlavor = 'csv' | 'mt4';

export function csvHeader(withSeries: boolean, spread = false): string {
  return `${(withSeries ? CSV_COLUMNS : CSV_COLUMNS.slice(2)).join(',')}${spread ? ',spread' : ''}\n`;
}

// The longest line: a prefix (symbol ≤ 23, timeframe ≤ 7), the time, four prices of at most 16 digits and a
// point, a volume (≤ 24 characters as String() prints doubles) and separators — well under this.
const MAX_LINE = 256;
const ZERO = 48;
const COMMA = 44;
const NEWLINE = 10;

/**
 * Encodes bars as CSV bytes straight into one reused buffer (no per-line strings: string building cost more
 * than everything else of an export, mostly in GC). `flush` receives each filled part; it must consume or
 * copy it before returning.
 */
export class CsvEncoder {
  private readonly buf: Buffer;
  private pos = 0;
  private readonly scale: number;
  private readonly prefix: Buffer;
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
    this.buf = Buffer.allocUnsafe(capacity);
    this.scale = 10 ** decimals;
    this.prefix = Buffer.from(prefix ? `${prefix.symbol},${prefix.timeframe},` : '', 'latin1');
  }

  /** The spread column's decimals (the store's; prices may carry one more for mid), when there is one. */
  spreadDecimals: number | undefined;

  /** Encode bars [from, to) of `chunk`; with `spread`, its value for each bar ends the line. */
  encode(chunk: BarChunk, from = 0, to = chunk.count, spread?: Float64Array): void {
    const b = this.buf;
    const limit = b.length - MAX_LINE;
    const f64 = chunk.records.f64;
    for (let i = from; i < to; i++) {
      if (this.pos > limit) this.drain();
      let p = this.pos;
      // Byte loops, not Buffer#copy/write: a native call per field cost more than the bytes themselves.
      const prefix = this.prefix;
      for (let k = 0; k < prefix.length; k++) b[p++] = prefix[k];
      p = this.time(chunk.time(i), p);
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

  /** `YYYY-MM-DD HH:MM:SS` or MetaTrader's `YYYY.MM.DD,HH:MM`. */
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
    b[p++] = this.flavor === 'mt4' ? COMMA : 32;
    const s = Math.floor((ts - day) / 1000);
    const h = Math.floor(s / 3600);
    const m = Math.floor(s / 60) % 60;
    b[p++] = ZERO + Math.floor(h / 10);
    b[p++] = ZERO + (h % 10);
    b[p++] = 58;
    b[p++] = ZERO + Math.floor(m / 10);
    b[p++] = ZERO + (m % 10);
    if (this.flavor === 'csv') {
      const sec = s % 60;
      b[p++] = 58;
      b[p++] = ZERO + Math.floor(sec / 10);
      b[p++] = ZERO + (sec % 10);
    }
    return p;
  }

  /** The price as the decimal with `decimals` digits it was stored as (see priceFormatter). */
  private price(v: number, p: number, decimals = this.decimals): number {
    const b = this.buf;
    if (v < 0) {
      b[p++] = 45;
      v = -v;
    }
    const units = Math.round(v * (decimals === this.decimals ? this.scale : 10 ** decimals));
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
    const text = String(v);
    for (let k = 0; k < text.length; k++) b[p++] = text.charCodeAt(k);
    return p;
  }
}
