// `candlestore verify`: integrity report of every store of the context's symbols; exit 1 on damage.
import type { RunContext } from '../pipeline/context.js';
import { verifyStores } from '../verify/verify.js';
import { formatVerifyReport, hasDamage } from '../verify/report.js';

export async function verifyCommand(ctx: RunContext, opts: { gapMinutes: number; signal?: AbortSignal }): Promise<number> {
  const report = await verifyStores(ctx.layout, ctx.symbols, { gapMinutes: opts.gapMinutes, signal: opts.signal });
  ctx.log(formatVerifyReport(report));
  return hasDamage(report) ? 1 : 0;
}
