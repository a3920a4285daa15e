// Bollinger bands: SMA(period) of closes ± mult · population standard deviation over the same window.
import { sma, stddev } from './math.js';
import { factor, period } from './params.js';
import type { IndicatorDef } from './types.js';

export const bbandsIndicator: IndicatorDef = {
  name: 'bbands',
  title: 'Bollinger bands',
  description: 'SMA of closes ± mult · population standard deviation',
  params: [period('period', 20, 'bars in the window', 2), factor('mult', 2, 'standard deviations from the middle')],
  outputs: ['upper', 'middle', 'lower'],
  overlay: true,
  warmup: ([n]) => n - 1,
  warmupText: 'period - 1',
  compute: (b, [n, k]) => {
    const mid = sma(b.close, n);
    const sd = stddev(b.close, n, mid);
    const upper = new Float64Array(b.length);
    const lower = new Float64Array(b.length);
    for (let i = 0; i < b.length; i++) {
      upper[i] = mid[i] + k * sd[i];
      lower[i] = mid[i] - k * sd[i];
    }
    return [upper, mid, lower];
  },
};
