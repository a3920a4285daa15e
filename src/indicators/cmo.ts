// Chande momentum oscillator: 100·(Σ gains − Σ losses)/(Σ gains + Σ losses) of close-to-close changes over
// `period` bars (plain sums, not smoothed); 0 when the close did not move.
import { nanArray } from './math.js';
import { period } from './params.js';
import type { IndicatorDef } from './types.js';

export const cmoIndicator: IndicatorDef = {
  name: 'cmo',
  title: 'Chande momentum oscillator',
  description: 'sums of up and down moves over the window, −100..100',
  params: [period('period', 14)],
  outputs: ['cmo'],
  overlay: false,
  warmup: ([n]) => n,
  warmupText: 'period',
  compute: (b, [n]) => {
    const out = nanArray(b.length);
    for (let i = n; i < b.length; i++) {
      let up = 0;
      let down = 0;
      for (let k = i - n + 1; k <= i; k++) {
        const d = b.close[k] - b.close[k - 1];
        if (d > 0) up += d;
        else down -= d;
      }
      out[i] = up + down === 0 ? 0 : (100 * (up - down)) / (up + down);
    }
    return [out];
  },
};
