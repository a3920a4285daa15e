// Relative strength index (Wilder 1978): average gain and loss of close-to-close changes, each smoothed
// with Wilder's average (alpha 1/period) seeded by the simple mean of the first `period` changes;
// RSI = 100 − 100/(1 + gain/loss), 100 when there was no loss.
import { nanArray, wilder, wilderSettle } from './math.js';
import { period } from './params.js';
import type { IndicatorDef } from './types.js';

export function rsiOf(close: Float64Array, n: number): Float64Array {
  const len = close.length;
  const gain = nanArray(len);
  const loss = nanArray(len);
  let s = 0;
  while (s < len && Number.isNaN(close[s])) s++;
  for (let i = s + 1; i < len; i++) {
    const d = close[i] - close[i - 1];
    gain[i] = d > 0 ? d : 0;
    loss[i] = d > 0 ? 0 : -d;
  }
  const g = wilder(gain, n);
  const l = wilder(loss, n);
  const out = nanArray(len);
  for (let i = 0; i < len; i++) {
    if (Number.isNaN(g[i])) continue;
    out[i] = l[i] === 0 ? 100 : 100 - 100 / (1 + g[i] / l[i]);
  }
  return out;
}

export const rsiWarmup = (n: number) => n + wilderSettle(n);

export const rsiIndicator: IndicatorDef = {
  name: 'rsi',
  title: 'Relative strength index',
  description: "Wilder's RSI of closes (Wilder smoothing of gains and losses, seeded with their simple mean)",
  params: [period('period', 14)],
  outputs: ['rsi'],
  overlay: false,
  warmup: ([n]) => rsiWarmup(n),
  warmupText: 'period + ceil(ln 1e-12 / ln(1 - 1/period))',
  compute: (b, [n]) => [rsiOf(b.close, n)],
};
