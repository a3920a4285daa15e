// `candlestore verify`: integrity report of the context's symbols: the raw cache against its checksums, the 1m
// aggregate stores, then every resampled timeframe against its source; with `--deep`, also every 1m record
// against the cache decoded again and every bar recomputed from its source (verify/deep.ts); for symbols kept on
// both sides, the minutes on one side only (verify/sides.ts). Exit 1 on damage.
import type { RunContext } from '../pipeline/context.js';
import { verifyCache } from '../verify/cacheCheck.js';
import { verifyStores } from '../verify/verify.js';
import { verifyTimeframes } from '../resample/verify.js';
import { verifySides } from '../verify/sides.js';
import { formatVerifyReport, hasDamage } from '../verify/report.js';
import type { VerifyReport } from '../verify/types.js';
import type { TradingCalendar } from '../verify/tradingGaps.js';
import { cachedInstruments } from '../pipeline/instruments.js';
import { resolveAutoSessions } from '../config/autoSessions.js';
import { recordedOneMinute } from '../config/definitions.js';
import { baseSymbol } from '../dukascopy/series.js';

export async function verifyCommand(ctx: RunContext, opts: { gapMinutes: number; deep?: boolean; signal?: AbortSignal }): Promise<number> {
  // Cached instrument documents (never fetched here): gaps only in trading time, `sessions: auto` resolved.
  const docs = await cachedInstruments(ctx);
  ctx.config = resolveAutoSessions(ctx.config, ctx.symbols, docs);
  const calendars = new Map<string, TradingCalendar>();
  for (const key of ctx.series) {
    const doc = docs.get(baseSymbol(key));
    const built = doc && recordedOneMinute(ctx.layout, key, 'Verify');
    if (doc && built) calendars.set(key, { doc, shift: built.shift });
  }
  const report = await verifyCache(ctx.layout, ctx.series, { signal: opts.signal });
  merge(report, await verifyStores(ctx.layout, ctx.series, { gapMinutes: opts.gapMinutes, calendars, signal: opts.signal }));
  const tf = await verifyTimeframes(ctx.layout, ctx.series, ctx.config, { signal: opts.signal });
  merge(report, { ...tf, files: tf.files.map((f) => ({ ...f, gaps: 0 })), gaps: [] });
  if (opts.deep) {
    const { verifyDeep } = await import('../verify/deep.js');
    merge(report, await verifyDeep(ctx.layout, ctx.config, ctx.series, { signal: opts.signal }));
  }
  report.oneSided = await verifySides(ctx.layout, ctx.series, { signal: opts.signal });
  ctx.log(formatVerifyReport(report));
  return hasDamage(report) ? 1 : 0;
}

function merge(into: VerifyReport, more: VerifyReport): void {
  into.files.push(...more.files);
  into.damage.push(...more.damage);
  into.warnings.push(...more.warnings);
  into.gaps.push(...more.gaps);
}
