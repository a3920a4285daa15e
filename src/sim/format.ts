// Number text exactly as the real Dukascopy service writes it. The service is Java and prints doubles with
// `Double.toString`: decimal notation with at least one fractional digit for 1e-3 <= |x| < 1e7 (`27.0`,
// `1.14331`, `0.001`), computerized scientific notation otherwise (`1.0E-5`, `1.14E-4`, `1.0E7`). The digits
// are the shortest ones that round-trip, which is also what JavaScript's `String(x)` picks, so only the
// notation has to be translated. Longs (`timestamp`, `shift`, price deltas) are plain integers.

/** `x` as Java's `Double.toString(x)` prints it (the form of every float in the service's JSON). */
export function formatJavaDouble(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite number: ${x}`);
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = x < 0 ? -x : x;
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(x); // JS uses plain decimals from 1e-6 up to 1e21, so no exponent here
    return s.includes('.') ? s : `${s}.0`;
  }
  const e = x.toExponential(); // shortest round-trip digits, e.g. "1.14e-4", "1e+7"
  const at = e.indexOf('e');
  const mantissa = e.slice(0, at);
  const exponent = e.charCodeAt(at + 1) === 43 /* + */ ? e.slice(at + 2) : e.slice(at + 1);
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent}`;
}

/**
 * `units / 10^decimals` as Java prints it, for a non-negative integer `units` and 0 <= decimals <= 9: the
 * fast path for prices and volumes, built from integer digits (no float formatting) when the value is in
 * Java's decimal range. Gives the same text as `formatJavaDouble(units / 10 ** decimals)`.
 */
export function formatScaled(units: number, decimals: number): string {
  if (units < 0) return `-${formatScaled(-units, decimals)}`;
  const pow = POW10[decimals];
  if (units >= pow * 1e7 || units * 1000 < pow) return formatJavaDouble(units / pow);
  if (decimals === 0) return `${units}.0`;
  const int = Math.floor(units / pow);
  let frac = units - int * pow;
  if (frac === 0) return `${int}.0`;
  let digits = decimals;
  while (frac % 10 === 0) {
    frac /= 10;
    digits--;
  }
  const f = String(frac);
  return `${int}.${f.length < digits ? ZEROS.slice(0, digits - f.length) + f : f}`;
}

const POW10 = [1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** ASCII of "00".."99", two bytes per number. */
const PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  PAIRS[2 * i] = 48 + Math.floor(i / 10);
  PAIRS[2 * i + 1] = 48 + (i % 10);
}

/** Decimal digits of a non-negative integer < 2^31. */
function digitCount(v: number): number {
  if (v < 100000) return v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : 5;
  return v < 1e6 ? 6 : v < 1e7 ? 7 : v < 1e8 ? 8 : v < 1e9 ? 9 : 10;
}
const ZEROS = '000000000';

/**
 * Appends ASCII text to a growable byte buffer: the fast path that builds a whole day document (thousands of
 * numbers) without intermediate strings. `scaled` writes exactly what formatScaled returns.
 */
export class AsciiWriter {
  buf: Buffer;
  pos = 0;
  private readonly digits = new Uint8Array(24);
  constructor(capacity = 1 << 16) {
    this.buf = Buffer.allocUnsafe(capacity);
  }
  reset(): this {
    this.pos = 0;
    return this;
  }
  /** Make room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  /** Raw ASCII text. */
  text(s: string): void {
    this.ensure(s.length);
    this.pos += this.buf.write(s, this.pos, 'latin1');
  }
  byte(c: number): void {
    this.ensure(1);
    this.buf[this.pos++] = c;
  }
  /** An integer (any safe integer) in plain decimal. */
  int(v: number): void {
    this.ensure(24);
    this.intUnchecked(v);
  }
  /** int() without the room check: the caller has ensured 24 bytes per number. */
  intUnchecked(v: number): void {
    if (v < 0) {
      this.buf[this.pos++] = 45; // -
      v = -v;
    }
    if (v < 2147483648) this.uint31(v, digitCount(v));
    else this.bigUint(v);
  }
  /** Non-negative integer `v` < 2^31 with `len` digits, written straight into place (right to left). */
  private uint31(v: number, len: number): void {
    const buf = this.buf;
    let e = this.pos + len - 1;
    this.pos += len;
    while (v >= 100) {
      const q = (v / 100) | 0;
      const r = (v - q * 100) << 1;
      buf[e--] = PAIRS[r + 1];
      buf[e--] = PAIRS[r];
      v = q;
    }
    if (v >= 10) {
      buf[e--] = PAIRS[(v << 1) + 1];
      buf[e] = PAIRS[v << 1];
    } else {
      buf[e] = 48 + v;
    }
  }
  private bigUint(v: number): void {
    const n = this.collect(v);
    const d = this.digits;
    for (let i = n - 1; i >= 0; i--) this.buf[this.pos++] = d[i];
  }
  /** `units / 10^decimals` in Java Double.toString style (non-negative integer `units`, decimals <= 15). */
  scaled(units: number, decimals: number): void {
    this.ensure(32);
    this.scaledUnchecked(units, decimals);
  }
  /** scaled() without the room check: the caller has ensured 32 bytes per number. */
  scaledUnchecked(units: number, decimals: number): void {
    const buf = this.buf;
    if (units < 0) {
      buf[this.pos++] = 45;
      units = -units;
    }
    if (units === 0) {
      buf[this.pos++] = 48;
      buf[this.pos++] = 46;
      buf[this.pos++] = 48;
      return;
    }
    if (units < 2147483648) {
      // Fast path, the usual case: plain decimal notation with at least one integer digit.
      const pow = POW10[decimals];
      if (units >= pow && units < pow * 1e7) {
        const int = Math.floor(units / pow);
        let frac = units - int * pow;
        this.uint31(int, digitCount(int));
        buf[this.pos++] = 46; // .
        if (frac === 0) {
          buf[this.pos++] = 48;
          return;
        }
        let width = decimals;
        while (frac % 10 === 0) {
          frac /= 10;
          width--;
        }
        const len = digitCount(frac);
        for (let i = len; i < width; i++) buf[this.pos++] = 48;
        this.uint31(frac, len);
        return;
      }
    }
    const n = this.collect(units); // digits, least significant first
    const d = this.digits;
    let low = 0; // trailing zeros of the digit string (only matter after the point)
    while (d[low] === 48) low++;
    const exp = n - 1 - decimals; // decimal exponent of the leading digit
    if (exp >= -3 && exp < 7) {
      if (exp >= 0) {
        for (let i = n - 1; i >= decimals; i--) buf[this.pos++] = d[i];
      } else {
        buf[this.pos++] = 48;
      }
      buf[this.pos++] = 46; // .
      if (exp < 0) for (let i = -1; i > exp; i--) buf[this.pos++] = 48;
      const stop = Math.min(low, decimals);
      const top = Math.min(n, decimals) - 1;
      if (top < stop) buf[this.pos++] = 48;
      else for (let i = top; i >= stop; i--) buf[this.pos++] = d[i];
    } else {
      buf[this.pos++] = d[n - 1];
      buf[this.pos++] = 46;
      if (n - 1 <= low) buf[this.pos++] = 48;
      else for (let i = n - 2; i >= low; i--) buf[this.pos++] = d[i];
      buf[this.pos++] = 69; // E
      if (exp < 0) buf[this.pos++] = 45;
      const e = exp < 0 ? -exp : exp;
      if (e >= 10) buf[this.pos++] = 48 + ((e / 10) | 0);
      buf[this.pos++] = 48 + (e % 10);
    }
  }
  /** Copy of the bytes written so far. */
  toBuffer(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }
  /** Digits of positive integer `v` into this.digits as ASCII, least significant first; returns the count. */
  private collect(v: number): number {
    const d = this.digits;
    let n = 0;
    if (v < 2147483648) {
      while (v > 0) {
        const q = (v / 10) | 0;
        d[n++] = 48 + v - q * 10;
        v = q;
      }
    } else {
      while (v > 0) {
        const q = Math.floor(v / 10);
        d[n++] = 48 + v - q * 10;
        v = q;
      }
    }
    return n;
  }
}
