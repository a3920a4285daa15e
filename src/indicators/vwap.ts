// Session-anchored VWAP: Σ typical price·volume / Σ volume from the first bar of the bar's store-time day
// (the day the store's 1d bars use), restarting every day. Bars with zero volume so far in the day give
// the typical price. On timeframes of a day or longer every bar is its own session.
import { DAY_MS, barsPerDays, type IndicatorDef } from './types.js';

export const vwapIndicator: IndicatorDef = {
  name: 'vwap',
  title: 'Volume-weighted average price (daily session)',
  description: 'Σ typical price·volume / Σ volume since the start of the store-time day',
  params: [],
  outputs: ['vwap'],
  overlay: true,
  // The bars of one day before a row: at most one day's worth of the timeframe's shortest bar.
  warmup: (_p, ctx) => barsPerDays(ctx, 1),
  warmupText: 'bars in one day of the timeframe',
  compute: (b) => {
    const out = new Float64Array(b.length);
    let day = NaN;
    let pv = 0;
    let vol = 0;
    for (let i = 0; i < b.length; i++) {
      const d = Math.floor(b.ts[i] / DAY_MS);
      if (d !== day) {
        day = d;
        pv = 0;
        vol = 0;
      }
      const tp = (b.high[i] + b.low[i] + b.close[i]) / 3;
      pv += tp * b.volume[i];
      vol += b.volume[i];
      out[i] = vol === 0 ? tp : pv / vol;
    }
    return [out];
  },
};
