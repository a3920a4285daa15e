// MACD (Appel): EMA(fast) − EMA(slow) of closes, its signal line EMA(signal) of the MACD, and the
// histogram MACD − signal. EMAs seeded with SMAs; the MACD line starts where the slow EMA does.
import { ema, emaSettle } from './math.js';
import { period } from './params.js';
import type { IndicatorDef } from './types.js';

export const macdIndicator: IndicatorDef = {
  name: 'macd',
  title: 'Moving average convergence/divergence',
  description: 'EMA(fast) − EMA(slow) of closes, signal EMA of that, histogram the difference',
  params: [period('fast', 12, 'fast EMA period'), period('slow', 26, 'slow EMA period'), period('signal', 9, 'signal EMA period')],
  outputs: ['macd', 'signal', 'hist'],
  overlay: false,
  warmup: ([f, s, g]) => Math.max(f - 1 + emaSettle(f), s - 1 + emaSettle(s)) + g - 1 + emaSettle(g),
  warmupText: 'max(ema warm-up of fast, of slow) + ema warm-up of signal',
  compute: (b, [f, s, g]) => {
    const fast = ema(b.close, f);
    const slow = ema(b.close, s);
    const start = Math.max(f, s) - 1;
    const line = new Float64Array(b.length).fill(NaN);
    for (let i = start; i < b.length; i++) line[i] = fast[i] - slow[i];
    const signal = ema(line, g);
    const hist = new Float64Array(b.length);
    for (let i = 0; i < hist.length; i++) hist[i] = line[i] - signal[i];
    return [line, signal, hist];
  },
};
