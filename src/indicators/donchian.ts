// Donchian channels: highest high and lowest low of the last `period` bars, and their midpoint.
import { rollingMax, rollingMin } from './math.js';
import { period } from './params.js';
import type { IndicatorDef } from './types.js';

export const donchianIndicator: IndicatorDef = {
  name: 'donchian',
  title: 'Donchian channels',
  description: 'highest high, lowest low of the window and their midpoint',
  params: [period('period', 20)],
  outputs: ['upper', 'middle', 'lower'],
  overlay: true,
  warmup: ([n]) => n - 1,
  warmupText: 'period - 1',
  compute: (b, [n]) => {
    const upper = rollingMax(b.high, n);
    const lower = rollingMin(b.low, n);
    const middle = new Float64Array(b.length);
    for (let i = 0; i < b.length; i++) middle[i] = (upper[i] + lower[i]) / 2;
    return [upper, middle, lower];
  },
};
