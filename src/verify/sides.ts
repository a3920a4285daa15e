// `verify`: minutes present on one side of a symbol and missing on the other (issue 14). The BID and ASK
// 1m stores of each symbol kept with `sides: [BID, ASK]` are scanned together by time (store/sides.ts, the
// same merged scan `build --side mid` pairs with); every minute on one side only is counted and the first
// few are listed. Not damage: the source quoted one side only. Readers never pair such a minute (mid and
// spread leave it out), and this is where it is reported.
import { CancelledError } from '../errors.js';
import { baseSymbol, sideOf } from '../dukascopy/series.js';
import { BASE_TIMEFRAME, openStore, type Series } from '../store/open.js';
import { countPairs, type OneSided } from '../store/sides.js';
import type { Layout } from '../paths.js';

/** Minutes listed per symbol before "… and N more". */
export const ONE_SIDED_VERIFY_LISTED = 10;

export interface OneSidedReport extends OneSided {
  symbol: string;
  timeframe: string;
  /** Minutes both stores have. */
  paired: number;
}

/** One report per symbol whose series include its ASK side and both 1m stores exist (committed). */
export async function verifySides(layout: Layout, series: readonly string[], opts: { signal?: AbortSignal } = {}): Promise<OneSidedReport[]> {
  const out: OneSidedReport[] = [];
  const store = await openStore(layout.root, { stage: 'Verify' });
  for (const key of series) {
    if (sideOf(key) !== 'ASK') continue;
    if (opts.signal?.aborted) throw new CancelledError('Verify');
    const symbol = baseSymbol(key);
    let bid: Series | undefined;
    let ask: Series | undefined;
    try {
      // A store without a committed index is reported missing by the store checks; nothing to pair here.
      bid = await store.series(symbol, BASE_TIMEFRAME, 'BID').catch(() => undefined);
      ask = await store.series(symbol, BASE_TIMEFRAME, 'ASK').catch(() => undefined);
      if (!bid || !ask || bid.info.decimals !== ask.info.decimals) continue;
      const { paired, oneSided } = await countPairs(bid, { from: 0, to: bid.count }, ask, { from: 0, to: ask.count }, 65_536, ONE_SIDED_VERIFY_LISTED, opts.signal);
      out.push({ symbol, timeframe: BASE_TIMEFRAME, paired, ...oneSided });
    } finally {
      await bid?.close();
      await ask?.close();
    }
  }
  return out;
}
