// Hull moving average (Alan Hull): WMA over floor(sqrt(n)) of 2·WMA(n/2) − WMA(n), halves rounded down.
import { wma } from './math.js';
import { period } from './params.js';
import type { IndicatorDef } from './types.js';

export const hmaIndicator: IndicatorDef = {
  name: 'hma',
  title: 'Hull moving average',
  description: 'WMA(floor(sqrt(period))) of 2·WMA(floor(period/2)) − WMA(period)',
  params: [period('period', 20, 'bars in the window', 4)],
  outputs: ['hma'],
  overlay: true,
  warmup: ([n]) => n - 1 + Math.floor(Math.sqrt(n)) - 1,
  warmupText: 'period + floor(sqrt(period)) - 2',
  compute: (b, [n]) => {
    const half = wma(b.close, Math.floor(n / 2));
    const full = wma(b.close, n);
    const diff = new Float64Array(b.length);
    for (let i = 0; i < diff.length; i++) diff[i] = 2 * half[i] - full[i];
    return [wma(diff, Math.floor(Math.sqrt(n)))];
  },
};
