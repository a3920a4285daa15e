// Ultimate oscillator (Larry Williams): buying pressure BP = close − min(low, previous close), true range
// TR; A_n = ΣBP/ΣTR over n bars for the short, medium and long windows;
// UO = 100·(4·A_short + 2·A_medium + A_long)/7 (50 when the short window has no range).
import { nanArray } from './math.js';
import { period } from './params.js';
import type { IndicatorDef } from './types.js';

export const uoIndicator: IndicatorDef = {
  name: 'uo',
  title: 'Ultimate oscillator',
  description: 'weighted buying pressure over three windows',
  params: [period('short', 7, 'short window'), period('medium', 14, 'medium window'), period('long', 28, 'long window')],
  outputs: ['uo'],
  overlay: false,
  warmup: ([s, m, l]) => Math.max(s, m, l),
  warmupText: 'max(short, medium, long)',
  compute: (b, [s, m, l]) => {
    const n = b.length;
    const bp = new Float64Array(n);
    const tr = new Float64Array(n);
    for (let i = 1; i < n; i++) {
      const pc = b.close[i - 1];
      bp[i] = b.close[i] - Math.min(b.low[i], pc);
      tr[i] = Math.max(b.high[i], pc) - Math.min(b.low[i], pc);
    }
    const longest = Math.max(s, m, l);
    const out = nanArray(n);
    const avg = (i: number, w: number) => {
      let sb = 0;
      let st = 0;
      for (let k = i - w + 1; k <= i; k++) {
        sb += bp[k];
        st += tr[k];
      }
      return { sb, st };
    };
    for (let i = longest; i < n; i++) {
      const a = avg(i, s);
      if (a.st === 0) {
        out[i] = 50;
        continue;
      }
      const b2 = avg(i, m);
      const c = avg(i, l);
      out[i] = (100 * (4 * (a.sb / a.st) + 2 * (b2.sb / b2.st) + c.sb / c.st)) / 7;
    }
    return [out];
  },
};
