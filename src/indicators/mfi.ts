// Money flow index (Quong & Soudack): raw money flow TP·volume counted as positive when TP rose from the
// previous bar, negative when it fell (unchanged counts as neither), over `period` bars;
// MFI = 100·positive/(positive + negative), 50 when there was no flow.
import { nanArray, typicalPrice } from './math.js';
import { period } from './params.js';
import type { IndicatorDef } from './types.js';

export const mfiIndicator: IndicatorDef = {
  name: 'mfi',
  title: 'Money flow index',
  description: 'volume-weighted RSI of the typical price',
  params: [period('period', 14)],
  outputs: ['mfi'],
  overlay: false,
  warmup: ([n]) => n,
  warmupText: 'period',
  compute: (b, [n]) => {
    const tp = typicalPrice(b.high, b.low, b.close);
    const out = nanArray(b.length);
    for (let i = n; i < b.length; i++) {
      let pos = 0;
      let neg = 0;
      for (let k = i - n + 1; k <= i; k++) {
        const flow = tp[k] * b.volume[k];
        if (tp[k] > tp[k - 1]) pos += flow;
        else if (tp[k] < tp[k - 1]) neg += flow;
      }
      out[i] = pos + neg === 0 ? 50 : (100 * pos) / (pos + neg);
    }
    return [out];
  },
};
