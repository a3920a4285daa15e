// Aroon (Chande): over the last period+1 bars, up = 100·(period − bars since the highest high)/period and
// down likewise for the lowest low; on ties the most recent extreme counts. Oscillator = up − down.
import { nanArray } from './math.js';
import { period } from './params.js';
import type { IndicatorDef } from './types.js';

export const aroonIndicator: IndicatorDef = {
  name: 'aroon',
  title: 'Aroon',
  description: 'bars since the highest high and lowest low, scaled to 0–100',
  params: [period('period', 25)],
  outputs: ['up', 'down', 'oscillator'],
  overlay: false,
  warmup: ([n]) => n,
  warmupText: 'period',
  compute: (b, [n]) => {
    const up = nanArray(b.length);
    const down = nanArray(b.length);
    const osc = nanArray(b.length);
    for (let i = n; i < b.length; i++) {
      let hi = i - n;
      let lo = i - n;
      for (let k = i - n + 1; k <= i; k++) {
        if (b.high[k] >= b.high[hi]) hi = k;
        if (b.low[k] <= b.low[lo]) lo = k;
      }
      up[i] = (100 * (n - (i - hi))) / n;
      down[i] = (100 * (n - (i - lo))) / n;
      osc[i] = up[i] - down[i];
    }
    return [up, down, osc];
  },
};
