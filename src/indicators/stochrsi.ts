// Stochastic RSI (Chande & Kroll) in the form charting packages plot: raw = (RSI − lowest RSI)/(highest
// RSI − lowest RSI) over `stoch` bars, %K = 100·SMA(k) of raw, %D = SMA(d) of %K. A flat RSI range gives
// raw 0 (as the stochastic oscillator does for a flat price range).
import { nanArray, rollingMax, rollingMin, sma } from './math.js';
import { period } from './params.js';
import { rsiOf, rsiWarmup } from './rsi.js';
import type { IndicatorDef } from './types.js';

export const stochrsiIndicator: IndicatorDef = {
  name: 'stochrsi',
  title: 'Stochastic RSI',
  description: 'stochastic of the RSI, %K and %D on a 0–100 scale',
  params: [period('rsi', 14, 'RSI period'), period('stoch', 14, 'bars of the RSI range'), period('k', 3, 'SMA of the raw value'), period('d', 3, 'SMA of %K')],
  outputs: ['k', 'd'],
  overlay: false,
  warmup: ([r, s, k, d]) => rsiWarmup(r) + s - 1 + k - 1 + d - 1,
  warmupText: 'rsi warm-up + stoch + k + d - 3',
  compute: (b, [r, s, k, d]) => {
    const rsi = rsiOf(b.close, r);
    const hi = rollingMax(rsi, s);
    const lo = rollingMin(rsi, s);
    const raw = nanArray(b.length);
    for (let i = 0; i < b.length; i++) {
      if (Number.isNaN(hi[i])) continue;
      const range = hi[i] - lo[i];
      raw[i] = range === 0 ? 0 : (100 * (rsi[i] - lo[i])) / range;
    }
    const pk = sma(raw, k);
    return [pk, sma(pk, d)];
  },
};
