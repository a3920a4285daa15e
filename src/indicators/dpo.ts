// Detrended price oscillator (StockCharts' form, no look-ahead): the close floor(period/2)+1 bars ago minus
// the SMA(period) of closes at this bar.
import { nanArray, sma } from './math.js';
import { period } from './params.js';
import type { IndicatorDef } from './types.js';

export const dpoIndicator: IndicatorDef = {
  name: 'dpo',
  title: 'Detrended price oscillator',
  description: 'close floor(period/2)+1 bars ago minus the SMA of closes',
  params: [period('period', 20)],
  outputs: ['dpo'],
  overlay: false,
  warmup: ([n]) => Math.max(n - 1, Math.floor(n / 2) + 1),
  warmupText: 'max(period - 1, floor(period/2) + 1)',
  compute: (b, [n]) => {
    const shift = Math.floor(n / 2) + 1;
    const avg = sma(b.close, n);
    const out = nanArray(b.length);
    for (let i = shift; i < b.length; i++) out[i] = b.close[i - shift] - avg[i];
    return [out];
  },
};
