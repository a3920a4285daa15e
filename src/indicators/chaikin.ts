// Chaikin oscillator: EMA(fast) − EMA(slow) of the accumulation/distribution line. The line's starting
// offset cancels in the difference of two EMAs, so unlike the line itself it has a finite warm-up.
import { adlOf } from './adl.js';
import { ema, emaSettle } from './math.js';
import { period } from './params.js';
import type { IndicatorDef } from './types.js';

export const chaikinIndicator: IndicatorDef = {
  name: 'chaikin',
  title: 'Chaikin oscillator',
  description: 'EMA(fast) − EMA(slow) of the accumulation/distribution line',
  params: [period('fast', 3, 'fast EMA period'), period('slow', 10, 'slow EMA period')],
  outputs: ['chaikin'],
  overlay: false,
  warmup: ([f, s]) => Math.max(f - 1 + emaSettle(f), s - 1 + emaSettle(s)),
  warmupText: 'max(ema warm-up of fast, of slow)',
  compute: (b, [f, s]) => {
    const line = adlOf(b);
    const fast = ema(line, f);
    const slow = ema(line, s);
    const out = new Float64Array(b.length);
    for (let i = 0; i < out.length; i++) out[i] = fast[i] - slow[i];
    return [out];
  },
};
