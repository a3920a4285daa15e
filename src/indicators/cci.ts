// Commodity channel index (Lambert): (TP − SMA(TP)) / (0.015 · mean absolute deviation of TP from that
// SMA), TP = (high + low + close)/3, over `period` bars.
import { nanArray, sma, typicalPrice } from './math.js';
import { period } from './params.js';
import type { IndicatorDef } from './types.js';

export const cciIndicator: IndicatorDef = {
  name: 'cci',
  title: 'Commodity channel index',
  description: "Lambert's CCI of the typical price",
  params: [period('period', 20)],
  outputs: ['cci'],
  overlay: false,
  warmup: ([n]) => n - 1,
  warmupText: 'period - 1',
  compute: (b, [n]) => {
    const tp = typicalPrice(b.high, b.low, b.close);
    const mean = sma(tp, n);
    const out = nanArray(b.length);
    for (let i = n - 1; i < b.length; i++) {
      let mad = 0;
      for (let k = i - n + 1; k <= i; k++) mad += Math.abs(tp[k] - mean[i]);
      mad /= n;
      out[i] = mad === 0 ? 0 : (tp[i] - mean[i]) / (0.015 * mad);
    }
    return [out];
  },
};
