// Standard deviation of closes over `period` bars (population, as in Bollinger bands).
import { stddev } from './math.js';
import { period } from './params.js';
import type { IndicatorDef } from './types.js';

export const stddevIndicator: IndicatorDef = {
  name: 'stddev',
  title: 'Standard deviation',
  description: 'population standard deviation of closes over the window',
  params: [period('period', 20, 'bars in the window', 2)],
  outputs: ['stddev'],
  overlay: false,
  warmup: ([n]) => n - 1,
  warmupText: 'period - 1',
  compute: (b, [n]) => [stddev(b.close, n)],
};
