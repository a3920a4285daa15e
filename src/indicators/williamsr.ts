// Williams %R: −100·(highest high − close)/(highest high − lowest low) over `period` bars; −100 for a
// flat range (the close is the low), consistent with the stochastic oscillator.
import { nanArray, rollingMax, rollingMin } from './math.js';
import { period } from './params.js';
import type { IndicatorDef } from './types.js';

export const williamsrIndicator: IndicatorDef = {
  name: 'williamsr',
  title: 'Williams %R',
  description: 'position of the close in the high-low range, −100..0',
  params: [period('period', 14)],
  outputs: ['williamsr'],
  overlay: false,
  warmup: ([n]) => n - 1,
  warmupText: 'period - 1',
  compute: (b, [n]) => {
    const hh = rollingMax(b.high, n);
    const ll = rollingMin(b.low, n);
    const out = nanArray(b.length);
    for (let i = n - 1; i < b.length; i++) {
      const range = hh[i] - ll[i];
      out[i] = range === 0 ? -100 : (-100 * (hh[i] - b.close[i])) / range;
    }
    return [out];
  },
};
