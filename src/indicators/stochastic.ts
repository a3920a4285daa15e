// Stochastic oscillator (Lane), slow form: raw %K = 100·(close − lowest low)/(highest high − lowest low)
// over `k` bars (0 when the range is 0: the close is the low), %K = SMA(smooth) of raw %K, %D = SMA(d) of %K.
import { nanArray, rollingMax, rollingMin, sma } from './math.js';
import { period } from './params.js';
import type { IndicatorDef } from './types.js';

export const stochasticIndicator: IndicatorDef = {
  name: 'stochastic',
  title: 'Stochastic oscillator',
  description: 'slow stochastic: %K smoothed by an SMA, %D an SMA of %K',
  params: [period('k', 14, 'bars of the high-low range'), period('smooth', 3, 'SMA of raw %K'), period('d', 3, 'SMA of %K')],
  outputs: ['k', 'd'],
  overlay: false,
  warmup: ([k, s, d]) => k - 1 + s - 1 + d - 1,
  warmupText: 'k + smooth + d - 3',
  compute: (b, [k, s, d]) => {
    const hh = rollingMax(b.high, k);
    const ll = rollingMin(b.low, k);
    const raw = nanArray(b.length);
    for (let i = k - 1; i < b.length; i++) {
      const range = hh[i] - ll[i];
      raw[i] = range === 0 ? 0 : (100 * (b.close[i] - ll[i])) / range;
    }
    const pk = sma(raw, s);
    return [pk, sma(pk, d)];
  },
};
