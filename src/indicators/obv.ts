// On-balance volume (Granville): a running sum that adds the bar's volume when the close rose, subtracts it
// when the close fell, from 0 at the store's first bar. A cumulative sum depends on every earlier bar, so
// its warm-up is the whole history (the server reads from the first bar).
import type { IndicatorDef } from './types.js';


export const obvIndicator: IndicatorDef = {
  name: 'obv',
  title: 'On-balance volume',
  description: 'running sum of ±volume by the direction of the close, from 0 at the first bar of the store',
  params: [],
  outputs: ['obv'],
  overlay: false,
  warmup: () => Infinity,
  warmupText: 'whole history (cumulative)',
  compute: (b) => {
    const out = new Float64Array(b.length);
    for (let i = 1; i < b.length; i++) {
      const d = b.close[i] - b.close[i - 1];
      out[i] = out[i - 1] + (d > 0 ? b.volume[i] : d < 0 ? -b.volume[i] : 0);
    }
    return [out];
  },
};
