// Simple moving average of closes: the mean of the last `period` closes.
import { sma } from './math.js';
import { period } from './params.js';
import type { IndicatorDef } from './types.js';

export const smaIndicator: IndicatorDef = {
  name: 'sma',
  title: 'Simple moving average',
  description: 'mean of the last `period` closes',
  params: [period('period', 20)],
  outputs: ['sma'],
  overlay: true,
  warmup: ([n]) => n - 1,
  warmupText: 'period - 1',
  compute: (b, [n]) => [sma(b.close, n)],
};
