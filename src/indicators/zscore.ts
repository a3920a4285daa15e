// Z-score of the close: (close − SMA(period))/population standard deviation over the same window; 0 when
// the window is flat.
import { nanArray, sma, stddev } from './math.js';
import { period } from './params.js';
import type { IndicatorDef } from './types.js';

export const zscoreIndicator: IndicatorDef = {
  name: 'zscore',
  title: 'Z-score',
  description: 'distance of the close from its SMA in standard deviations',
  params: [period('period', 20, 'bars in the window', 2)],
  outputs: ['zscore'],
  overlay: false,
  warmup: ([n]) => n - 1,
  warmupText: 'period - 1',
  compute: (b, [n]) => {
    const mean = sma(b.close, n);
    const sd = stddev(b.close, n, mean);
    const out = nanArray(b.length);
    for (let i = 0; i < b.length; i++) {
      if (Number.isNaN(sd[i])) continue;
      out[i] = sd[i] === 0 ? 0 : (b.close[i] - mean[i]) / sd[i];
    }
    return [out];
  },
};
