// `candlestore verify`: integrity report of every store of the context's symbols (the 1m aggregate stores,
// then every resampled timeframe against its source); exit 1 on damage.
import type { RunContext } from '../pipeline/context.js';
import { verifyStores } from '../verify/verify.js';
import { verifyTimeframes } from '../resample/verify.js';
import { formatVerifyReport, hasDamage } from '../verify/report.js';

export async function verifyCommand(ctx: RunContext, opts: { gapMinutes: number; signal?: AbortSignal }): Promise<number> {
  const report = await verifyStores(ctx.layout, ctx.symbols, { gapMinutes: opts.gapMinutes, signal: opts.signal });
  const tf = await verifyTimeframes(ctx.layout, ctx.symbols, ctx.config, { signal: opts.signal });
  report.files.push(...tf.files.map((f) => ({ ...f, gaps: 0 })));
  report.damage.push(...tf.damage);
  report.warnings.push(...tf.warnings);
  ctx.log(formatVerifyReport(report));
  return hasDamage(report) ? 1 : 0;
}
