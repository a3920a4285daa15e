// Ichimoku kinkō hyō (Hosoda): conversion (tenkan) and base (kijun) lines are the midpoints of the highest
// high and lowest low over `conversion` and `base` bars; leading span A = (conversion + base)/2 and span B
// the midpoint over `span_b` bars, both as computed at this bar (charts draw them `base` bars ahead).
// The lagging span is the close drawn `base` bars back, so it is not repeated here.
import { rollingMax, rollingMin } from './math.js';
import { period } from './params.js';
import type { Bars, IndicatorDef } from './types.js';

function midpoint(b: Bars, n: number): Float64Array {
  const hh = rollingMax(b.high, n);
  const ll = rollingMin(b.low, n);
  for (let i = 0; i < hh.length; i++) hh[i] = (hh[i] + ll[i]) / 2;
  return hh;
}

export const ichimokuIndicator: IndicatorDef = {
  name: 'ichimoku',
  title: 'Ichimoku cloud',
  description: 'conversion, base, and leading spans A and B (as computed at the bar; drawn `base` bars ahead)',
  params: [period('conversion', 9, 'bars of the conversion line'), period('base', 26, 'bars of the base line (and the spans\' displacement)'), period('span_b', 52, 'bars of leading span B')],
  outputs: ['conversion', 'base', 'span_a', 'span_b'],
  overlay: true,
  warmup: ([c, k, s]) => Math.max(c, k, s) - 1,
  warmupText: 'max(conversion, base, span_b) - 1',
  compute: (b, [c, k, s]) => {
    const conv = midpoint(b, c);
    const base = midpoint(b, k);
    const spanA = new Float64Array(b.length);
    for (let i = 0; i < b.length; i++) spanA[i] = (conv[i] + base[i]) / 2;
    return [conv, base, spanA, midpoint(b, s)];
  },
};
