// Building blocks shared by the indicators: windowed sums, Wilder and EMA smoothing seeded the standard way
// (a simple average of the first `period` inputs), rolling extremes with a monotonic deque (O(n) for any
// window), and the settle length that makes infinite-memory recursions exact enough for warm-up.
// Inputs may start with NaN (an upstream indicator not defined yet): every helper starts at the first
// defined input and leaves NaN before its own first value.

/**
 * Relative weight below which an initial condition no longer shows: a recursion y = (1-a)·y' + a·x started
 * from two different seeds differs by (1-a)^k · (seed difference) after k steps. With k = settle(a) the
 * difference is below 1e-12 of the seed difference, far under the 1e-9 relative that warm-up promises.
 */
export const SETTLE_EPSILON = 1e-12;

export function settle(alpha: number): number {
  if (alpha >= 1) return 0;
  return Math.ceil(Math.log(SETTLE_EPSILON) / Math.log(1 - alpha));
}
/** Bars an EMA of `period` (alpha 2/(n+1)) needs beyond its seed window to forget its seed. */
export const emaSettle = (period: number) => settle(2 / (period + 1));
/** Same for Wilder's smoothing (alpha 1/n): RSI, ATR, ADX. */
export const wilderSettle = (period: number) => settle(1 / period);

export function nanArray(n: number): Float64Array {
  return new Float64Array(n).fill(NaN);
}

/** Index of the first non-NaN value (length when none). */
export function firstDefined(x: Float64Array): number {
  let i = 0;
  while (i < x.length && Number.isNaN(x[i])) i++;
  return i;
}

/** Windows up to this length are summed directly: the value of a row then depends only on its window, bit for bit. */
const DIRECT_SUM_MAX = 256;

/**
 * Simple moving average; out[i] defined once `period` inputs are. Short windows are summed directly per row
 * (exactly what a reference computes, independent of where the computation started); long windows use a
 * running sum re-summed every 1024 rows so float error never accumulates over millions of bars.
 */
export function sma(x: Float64Array, period: number): Float64Array {
  const n = x.length;
  const out = nanArray(n);
  const s = firstDefined(x);
  if (period <= DIRECT_SUM_MAX) {
    for (let i = s + period - 1; i < n; i++) {
      let sum = 0;
      for (let k = i - period + 1; k <= i; k++) sum += x[k];
      out[i] = sum / period;
    }
    return out;
  }
  let sum = 0;
  for (let i = s; i < n; i++) {
    sum += x[i];
    if (i - s >= period) sum -= x[i - period];
    if (i - s + 1 >= period) {
      if ((i - s) % 1024 === 0) {
        sum = 0;
        for (let k = i - period + 1; k <= i; k++) sum += x[k];
      }
      out[i] = sum / period;
    }
  }
  return out;
}

/** Sum over a window of `period` (defined once `period` inputs are). */
export function rollingSum(x: Float64Array, period: number): Float64Array {
  const out = sma(x, period);
  for (let i = 0; i < out.length; i++) out[i] *= period;
  return out;
}

/**
 * Exponential smoothing y = y' + alpha·(x − y'), seeded with the simple average of the first `period`
 * defined inputs (TA-Lib, StockCharts, Wilder). EMA: alpha 2/(n+1); Wilder: alpha 1/n.
 */
export function smooth(x: Float64Array, period: number, alpha: number): Float64Array {
  const n = x.length;
  const out = nanArray(n);
  const s = firstDefined(x);
  if (s + period > n) return out;
  let y = 0;
  for (let i = s; i < s + period; i++) y += x[i];
  y /= period;
  out[s + period - 1] = y;
  for (let i = s + period; i < n; i++) {
    y += alpha * (x[i] - y);
    out[i] = y;
  }
  return out;
}
export const ema = (x: Float64Array, period: number) => smooth(x, period, 2 / (period + 1));
export const wilder = (x: Float64Array, period: number) => smooth(x, period, 1 / period);

/** Linearly weighted moving average (weights 1..period, newest heaviest). */
export function wma(x: Float64Array, period: number): Float64Array {
  const n = x.length;
  const out = nanArray(n);
  const s = firstDefined(x);
  const denom = (period * (period + 1)) / 2;
  for (let i = s + period - 1; i < n; i++) {
    let acc = 0;
    for (let k = 0; k < period; k++) acc += x[i - period + 1 + k] * (k + 1);
    out[i] = acc / denom;
  }
  return out;
}

/** Population standard deviation over a window (Bollinger's definition), two-pass per window. */
export function stddev(x: Float64Array, period: number, mean: Float64Array = sma(x, period)): Float64Array {
  const n = x.length;
  const out = nanArray(n);
  for (let i = 0; i < n; i++) {
    const m = mean[i];
    if (Number.isNaN(m)) continue;
    let acc = 0;
    for (let k = i - period + 1; k <= i; k++) {
      const d = x[k] - m;
      acc += d * d;
    }
    out[i] = Math.sqrt(acc / period);
  }
  return out;
}

/** Highest value of each window of `period` (monotonic deque, O(n)). */
export function rollingMax(x: Float64Array, period: number): Float64Array {
  return rollingExtreme(x, period, (a, b) => a >= b);
}
export function rollingMin(x: Float64Array, period: number): Float64Array {
  return rollingExtreme(x, period, (a, b) => a <= b);
}

function rollingExtreme(x: Float64Array, period: number, dominates: (a: number, b: number) => boolean): Float64Array {
  const n = x.length;
  const out = nanArray(n);
  const s = firstDefined(x);
  const dq = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let i = s; i < n; i++) {
    while (tail > head && dominates(x[i], x[dq[tail - 1]])) tail--;
    dq[tail++] = i;
    if (dq[head] <= i - period) head++;
    if (i - s + 1 >= period) out[i] = x[dq[head]];
  }
  return out;
}

/** True range: max(high − low, |high − previous close|, |low − previous close|); the first bar is high − low. */
export function trueRange(high: Float64Array, low: Float64Array, close: Float64Array): Float64Array {
  const n = high.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const hl = high[i] - low[i];
    if (i === 0) {
      out[i] = hl;
      continue;
    }
    const pc = close[i - 1];
    out[i] = Math.max(hl, Math.abs(high[i] - pc), Math.abs(low[i] - pc));
  }
  return out;
}

export function typicalPrice(high: Float64Array, low: Float64Array, close: Float64Array): Float64Array {
  const out = new Float64Array(high.length);
  for (let i = 0; i < out.length; i++) out[i] = (high[i] + low[i] + close[i]) / 3;
  return out;
}

export function mapArrays(n: number, f: (i: number) => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = f(i);
  return out;
}
