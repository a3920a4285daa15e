// Linearly weighted moving average of closes: weights 1..period, the newest close weighs most.
import { wma } from './math.js';
import { period } from './params.js';
import type { IndicatorDef } from './types.js';

export const wmaIndicator: IndicatorDef = {
  name: 'wma',
  title: 'Weighted moving average',
  description: 'closes weighted 1..period, newest heaviest',
  params: [period('period', 20)],
  outputs: ['wma'],
  overlay: true,
  warmup: ([n]) => n - 1,
  warmupText: 'period - 1',
  compute: (b, [n]) => [wma(b.close, n)],
};
