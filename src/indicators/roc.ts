// Rate of change in percent: 100·(close − close n bars ago)/(close n bars ago).
import { nanArray } from './math.js';
import { period } from './params.js';
import type { IndicatorDef } from './types.js';

export const rocIndicator: IndicatorDef = {
  name: 'roc',
  title: 'Rate of change',
  description: 'percent change of the close over `period` bars',
  params: [period('period', 12)],
  outputs: ['roc'],
  overlay: false,
  warmup: ([n]) => n,
  warmupText: 'period',
  compute: (b, [n]) => {
    const out = nanArray(b.length);
    for (let i = n; i < b.length; i++) out[i] = (100 * (b.close[i] - b.close[i - n])) / b.close[i - n];
    return [out];
  },
};
