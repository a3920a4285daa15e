// `candlestore verify`: integrity of the stores, read-only. Per file: header, index, then the file checks
// of its kind, then one forward scan of the committed records feeding every record check. Damage (the CLI
// exits non-zero) is kept apart from warnings (repairable by the next run, or informational) and gaps.
import { CancelledError, CorruptFileError } from '../errors.js';
import type { Layout } from '../paths.js';
import { recordPos, wholeRecords } from '../store/format.js';
import { readIndexFile } from '../store/indexFile.js';
import type { StoreIndex } from '../store/indexFormat.js';
import { StoreReader } from '../store/reader.js';
import { fileSize } from '../store/writer.js';
import { MINUTE_MS } from '../util/dates.js';
import { csvCheck, sizeCheck, tailCheck } from './fileChecks.js';
import { definitionCheck } from './definitionCheck.js';
import { dataCrcCheck, flagsCheck, gapCheck, ohlcCheck, orderCheck } from './recordChecks.js';
import type { CheckSuite, FileContext, FileKind, FileSummary, Finding, Severity, StoreTarget, VerifyOptions, VerifyReport } from './types.js';

export const DEFAULT_GAP_MINUTES = 30;
const DEFAULT_MAX_FINDINGS = 20;

/** The checks of each file kind; later stages add their kinds (resampled timeframes) here. */
export const CHECKS: Record<FileKind, CheckSuite> = {
  aggregate: {
    file: [sizeCheck, tailCheck, csvCheck, definitionCheck],
    records: [orderCheck(MINUTE_MS), ohlcCheck, dataCrcCheck, flagsCheck, gapCheck],
  },
};

export function aggregateTarget(layout: Layout, symbol: string): StoreTarget {
  return { kind: 'aggregate', symbol, timeframe: '1m', store: layout.aggregateStore(symbol), index: layout.aggregateIndex(symbol), csv: layout.aggregateCsv(symbol) };
}

/** Verify the aggregate store of each symbol. */
export async function verifyStores(layout: Layout, symbols: readonly string[], opts: VerifyOptions = {}): Promise<VerifyReport> {
  const report: VerifyReport = { files: [], damage: [], warnings: [], gaps: [] };
  for (const symbol of symbols) {
    const one = await verifyTarget(aggregateTarget(layout, symbol), opts);
    report.files.push(...one.files);
    report.damage.push(...one.damage);
    report.warnings.push(...one.warnings);
    report.gaps.push(...one.gaps);
  }
  return report;
}

/** Verify one store file with the checks of its kind (or `suite`). */
export async function verifyTarget(target: StoreTarget, opts: VerifyOptions = {}, suite: CheckSuite = CHECKS[target.kind]): Promise<VerifyReport> {
  const report: VerifyReport = { files: [], damage: [], warnings: [], gaps: [] };
  const summary: FileSummary = { kind: target.kind, symbol: target.symbol, timeframe: target.timeframe, file: target.store, exists: false, records: 0, damage: 0, warnings: 0, gaps: 0 };
  report.files.push(summary);
  const max = opts.maxFindingsPerCheck ?? DEFAULT_MAX_FINDINGS;
  const seen = new Map<string, number>();
  const add = (severity: Severity, check: string, message: string, offset?: number) => {
    const key = `${severity}\0${check}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    if (n > max) return;
    const finding: Finding = { severity, symbol: target.symbol, timeframe: target.timeframe, file: target.store, check, message, offset };
    (severity === 'damage' ? report.damage : report.warnings).push(finding);
    summary[severity === 'damage' ? 'damage' : 'warnings']++;
  };
  try {
    await verifyFile(target, suite, opts, summary, report, add);
  } finally {
    for (const [key, n] of seen) {
      if (n <= max) continue;
      const [severity, check] = key.split('\0') as [Severity, string];
      const list = severity === 'damage' ? report.damage : report.warnings;
      list.push({ severity, symbol: target.symbol, timeframe: target.timeframe, file: target.store, check, message: `… and ${n - max} more ${check} findings` });
    }
  }
  summary.gaps = report.gaps.length;
  return report;
}

async function verifyFile(
  target: StoreTarget, suite: CheckSuite, opts: VerifyOptions, summary: FileSummary, report: VerifyReport,
  add: (severity: Severity, check: string, message: string, offset?: number) => void,
): Promise<void> {
  const size = await fileSize(target.store);
  let index: StoreIndex | undefined;
  let indexDamaged = false;
  try {
    index = await readIndexFile(target.index, 'Verify');
  } catch (err) {
    if (!(err instanceof CorruptFileError)) throw err;
    add('damage', 'index', err.message);
    indexDamaged = true;
  }
  if (size === undefined) {
    if (index || indexDamaged) add('damage', 'store', `the store is missing but its index ${target.index} exists; run \`candlestore rebuild aggregate\``);
    else add('warning', 'store', 'no store yet (the stage has not run for this symbol)');
    return;
  }
  summary.exists = true;
  if (!index && !indexDamaged) {
    add('damage', 'index', `no index ${target.index}: the store was never committed (an interrupted first run) or its index was deleted; the next run rebuilds it`);
  }
  let header;
  try {
    const probe = await StoreReader.open(target.store, { stage: 'Verify', expect: { symbol: target.symbol, timeframe: target.timeframe } });
    header = probe.header;
    await probe.close();
  } catch (err) {
    if (!(err instanceof CorruptFileError)) throw err;
    add('damage', 'header', err.message, err.offset);
    return;
  }
  if (index && index.generation !== header.generation) {
    add('damage', 'index', `its generation ${index.generation} is not the store's ${header.generation} (the index belongs to another incarnation of the store); run \`candlestore rebuild aggregate\``);
  }
  // Committed records only: to out_pos, or to final_pos when a run was killed while rewriting the tail.
  const scanEnd = index && size >= index.outPos ? index.outPos : index && size >= index.finalPos ? index.finalPos : recordPos(wholeRecords(size));
  const ctx: FileContext = {
    target, header, index, size, scanEnd,
    gapMinutes: opts.gapMinutes ?? DEFAULT_GAP_MINUTES,
    calendar: target.kind === 'aggregate' ? opts.calendars?.get(target.symbol) : undefined,
    damage: (check, message, offset) => add('damage', check, message, offset),
    warn: (check, message, offset) => add('warning', check, message, offset),
    gap: (day, from, to, minutes) => report.gaps.push({ symbol: target.symbol, timeframe: target.timeframe, day, from, to, minutes }),
  };
  for (const check of suite.file) await check.run(ctx);
  const visitors = suite.records.map((check) => check.start(ctx));
  const reader = await StoreReader.open(target.store, { stage: 'Verify', limit: scanEnd });
  try {
    for await (const chunk of reader.scan()) {
      if (opts.signal?.aborted) throw new CancelledError('Verify');
      if (chunk.count === 0) continue;
      summary.firstTs ??= chunk.ts(0);
      summary.lastTs = chunk.ts(chunk.count - 1);
      for (const v of visitors) v.chunk(chunk);
    }
    for (const v of visitors) v.end();
    summary.records = reader.recordCount;
  } finally {
    await reader.close();
  }
}
