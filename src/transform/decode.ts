// Decode a Dukascopy day document into clean 1m candles: integer delta sums then one exact scaling per
// price, rounding to the wanted decimals in integer arithmetic (no float drift), zero-volume minutes
// dropped, time shift applied per candle. Any value that cannot be a real candle aborts, naming the file.
import { CorruptFileError } from '../errors.js';
import type { DayJson } from '../dukascopy/dayJson.js';
import { BinBuilder } from '../store/builder.js';
import { DAY_MS } from '../util/dates.js';
import type { ShiftFn } from './timeShift.js';

export interface DecodeOptions {
  /** Written into the day file's header. */
  symbol: string;
  /** Epoch ms of the UTC day the document is for; every candle must fall inside it. */
  day: number;
  /**
   * Decimals of every price of the symbol (its definition: round_decimals or the instrument's), written into
   * the header whatever this day's multiplier. undefined only while no day of the symbol has had a candle:
   * then the day must be empty.
   */
  decimals: number | undefined;
  /**
   * 'exact' (no round_decimals: `decimals` are the instrument's): a day with candles must have the
   * instrument's multiplier, 10^-decimals; another one is a day of another instrument, or a changed price
   * scale, and is refused. 'round' (round_decimals is set): any multiplier, prices rounded to `decimals`.
   * 'scale' (no round_decimals, the run's choice): a multiplier of `decimals` or fewer decimals is exact at
   * `decimals` and kept as it is; a finer one is refused (it would need rounding).
   */
  fit: 'round' | 'exact' | 'scale';
  /** Fingerprint of the symbol's 1m definition, for the header (0 = none recorded yet). */
  definition: number;
  shift: ShiftFn;
  file: string;
}

export interface DecodedDay {
  /** The complete 1m day file (header + records), ready to write. */
  bin: Buffer;
  /** Records in `bin`. */
  count: number;
  /** Decimals of the stored prices (the header's). */
  decimals: number;
  zeroVolumeDropped: number;
  /** Candles whose shifted time fell on or before the previous one (a DST fall-back hour). */
  overlapDropped: number;
}

const MAX_DECIMALS = 12;
const POW10 = Array.from({ length: MAX_DECIMALS + 1 }, (_, i) => 10 ** i);

/** 1e-5 → 5. Only powers of ten are accepted: every real Dukascopy multiplier is one. */
export function multiplierDecimals(multiplier: number): number | undefined {
  for (let k = 0; k <= MAX_DECIMALS; k++) {
    if (Math.abs(multiplier * POW10[k] - 1) < 1e-9) return k;
  }
  return undefined;
}

/** Round integer `n` (in units of 10^-from) to `to` decimals, half away from zero; result in 10^-to units. */
function rescale(n: number, from: number, to: number): number {
  if (to >= from) return n;
  const p = POW10[from - to];
  const q = Math.trunc(n / p);
  const r = n - q * p;
  return 2 * Math.abs(r) >= p ? q + Math.sign(n) : q;
}

export function decodeDay(doc: DayJson, opts: DecodeOptions): DecodedDay {
  const { file } = opts;
  const fail = (msg: string, i?: number) =>
    new CorruptFileError('Transform', file, i === undefined ? msg : `candle ${i}: ${msg}`, undefined, 'BAD_CANDLE');
  const k = multiplierDecimals(doc.multiplier);
  if (k === undefined) throw fail(`multiplier ${doc.multiplier} is not a power of ten`);
  const n = doc.times.length;
  if (opts.decimals === undefined && n > 0) throw fail(`the decimals of ${opts.symbol} are not known (no round_decimals, no earlier day with candles)`);
  // A day never changes the store's precision. Without round_decimals its multiplier must be the
  // instrument's; with it, fewer decimals than the symbol's are exact as they are (units / 10^k is the same
  // double as the rescaled units / 10^D) and more are rounded.
  const decimals = opts.decimals ?? 0;
  // 'scale' (the instrument document's priceScale): a coarser grid is exact at the scale, a finer one is not.
  if (opts.fit === 'scale' && n > 0 && k > decimals) {
    throw fail(
      `multiplier ${doc.multiplier} (${k} decimals) is finer than ${opts.symbol}'s price scale (${decimals} decimals, its instrument document): ` +
        `storing it would round prices; set transform.symbols."${opts.symbol}".round_decimals (${k} keeps them, ${decimals} rounds them) and rebuild it`,
    );
  }
  if (opts.fit === 'exact' && n > 0 && k !== decimals) {
    throw fail(
      `multiplier ${doc.multiplier} (${k} decimals) is not ${opts.symbol}'s (${decimals} decimals, fixed by its first day with candles): ` +
        `a day of another instrument, or its price scale changed (then set transform.symbols."${opts.symbol}".round_decimals and rebuild it)`,
    );
  }
  const valueDecimals = Math.min(k, decimals);
  const scale = POW10[valueDecimals];
  // An empty day written before the decimals are known records no definition (0): nothing in it depends on one.
  const builder = new BinBuilder(n, { timeframe: '1m', symbol: opts.symbol, decimals, definition: opts.decimals === undefined ? 0 : opts.definition });
  let zeroVolumeDropped = 0;
  let overlapDropped = 0;
  const done = (): DecodedDay => ({ bin: builder.finish(), count: builder.count, decimals, zeroVolumeDropped, overlapDropped });
  if (n === 0) return done();

  const baseUnits = (name: 'open' | 'high' | 'low' | 'close') => {
    const v = doc[name] as number;
    const units = Math.round(v * POW10[k]);
    if (!(v > 0) || Math.abs(units / POW10[k] - v) > 1e-9 * Math.max(1, v)) throw fail(`base "${name}" ${v} is not a positive price on the ${doc.multiplier} grid`);
    return units;
  };
  let o = baseUnits('open');
  let h = baseUnits('high');
  let l = baseUnits('low');
  let c = baseUnits('close');
  let t = doc.timestamp;
  const dayEnd = opts.day + DAY_MS;
  let lastTs = -Infinity;

  for (let i = 0; i < n; i++) {
    const step = doc.times[i];
    if (!Number.isInteger(step) || (i === 0 ? step < 0 : step < 1)) throw fail(`times step ${step} (times must increase)`, i);
    t += step * doc.shift;
    const dO = doc.opens[i], dH = doc.highs[i], dL = doc.lows[i], dC = doc.closes[i];
    if (!Number.isInteger(dO) || !Number.isInteger(dH) || !Number.isInteger(dL) || !Number.isInteger(dC)) throw fail('price deltas must be integers', i);
    o += dO;
    h += dH;
    l += dL;
    c += dC;
    const volume = doc.volumes[i];
    if (typeof volume !== 'number' || !Number.isFinite(volume) || volume < 0) throw fail(`volume ${volume} is not a finite number ≥ 0`, i);
    if (t < opts.day || t >= dayEnd) throw fail(`time ${new Date(t).toISOString()} is outside the day`, i);
    if (t % 60_000 !== 0) throw fail(`time ${new Date(t).toISOString()} is not on a minute`, i);
    if (!(o > 0 && h > 0 && l > 0 && c > 0)) throw fail('price is not positive', i);
    if (h < l) throw fail(`high ${h / POW10[k]} < low ${l / POW10[k]}`, i);
    if (o > h || o < l || c > h || c < l) throw fail('open/close outside the high–low range', i);
    if (volume === 0) {
      zeroVolumeDropped++;
      continue;
    }
    const ts = t + opts.shift(t);
    if (ts <= lastTs) {
      overlapDropped++;
      continue;
    }
    lastTs = ts;
    // src = the candle's row in the JSON arrays; origin 0, flags 0, one source row.
    builder.push(ts, rescale(o, k, valueDecimals) / scale, rescale(h, k, valueDecimals) / scale, rescale(l, k, valueDecimals) / scale, rescale(c, k, valueDecimals) / scale, volume, i, 0, 0, 1);
  }
  return done();
}
