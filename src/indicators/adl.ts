// Accumulation/distribution line (Chaikin): running sum of money flow volume
// ((close − low) − (high − close))/(high − low) · volume (0 for a bar with high = low), from the store's
// first bar. Cumulative, so its warm-up is the whole history.
import type { Bars, IndicatorDef } from './types.js';

export function adlOf(b: Bars): Float64Array {
  const out = new Float64Array(b.length);
  let acc = 0;
  for (let i = 0; i < b.length; i++) {
    const range = b.high[i] - b.low[i];
    if (range !== 0) acc += ((b.close[i] - b.low[i] - (b.high[i] - b.close[i])) / range) * b.volume[i];
    out[i] = acc;
  }
  return out;
}

export const adlIndicator: IndicatorDef = {
  name: 'adl',
  title: 'Accumulation/distribution line',
  description: "Chaikin's running sum of money flow volume, from the first bar of the store",
  params: [],
  outputs: ['adl'],
  overlay: false,
  warmup: () => Infinity,
  warmupText: 'whole history (cumulative)',
  compute: (b) => [adlOf(b)],
};
