// Plain-text rendering of a verify report: one block per store (status line, its findings, its gaps), then a
// summary line. No colours or widths that depend on a TTY, so the same text goes to logs and terminals.
import { isoMinute } from '../util/dates.js';
import type { FileSummary, Finding, Gap, VerifyReport } from './types.js';

export interface FormatOptions {
  /** Gaps listed per store before "… and N more" (default 20). */
  maxGaps?: number;
}

/** True when the CLI should exit non-zero. */
export function hasDamage(report: VerifyReport): boolean {
  return report.damage.length > 0;
}

export function formatVerifyReport(report: VerifyReport, opts: FormatOptions = {}): string {
  const maxGaps = opts.maxGaps ?? 20;
  const lines: string[] = [];
  for (const f of report.files) {
    lines.push(statusLine(f));
    const mine = (x: Finding | Gap) => x.symbol === f.symbol && x.timeframe === f.timeframe;
    for (const d of report.damage.filter(mine)) lines.push(`  DAMAGE   ${d.check.padEnd(8)} ${d.message}${at(d)}`);
    for (const w of report.warnings.filter(mine)) lines.push(`  warning  ${w.check.padEnd(8)} ${w.message}${at(w)}`);
    const gaps = report.gaps.filter(mine);
    if (gaps.length > 0) {
      lines.push(`  gaps     ${gaps.length} run(s) of missing minutes inside a day:`);
      for (const g of gaps.slice(0, maxGaps)) lines.push(`           ${g.day} ${g.from}–${g.to} (${g.minutes} min)`);
      if (gaps.length > maxGaps) lines.push(`           … and ${gaps.length - maxGaps} more`);
    }
  }
  let oneSided = 0;
  for (const s of report.oneSided ?? []) {
    const n = s.bidOnly + s.askOnly;
    oneSided += n;
    if (n === 0) {
      lines.push(`${s.symbol} BID/ASK ${s.timeframe}  ${s.paired.toLocaleString('en-US')} minutes on both sides, none on one side only`);
      continue;
    }
    lines.push(`${s.symbol} BID/ASK ${s.timeframe}  ${n.toLocaleString('en-US')} minute(s) on one side only (${s.bidOnly.toLocaleString('en-US')} BID only, ${s.askOnly.toLocaleString('en-US')} ASK only; ${s.paired.toLocaleString('en-US')} on both): never paired, left out of mid and spread`);
    for (const f of s.first) lines.push(`  one-sided ${isoMinute(f.time)} ${f.side} only`);
    if (n > s.first.length) lines.push(`  one-sided … and ${(n - s.first.length).toLocaleString('en-US')} more`);
  }
  const damaged = report.files.filter((f) => f.damage > 0).length;
  lines.push(
    `${report.files.length} store(s) checked: ${damaged} damaged, ${report.damage.length} damage finding(s), ${report.warnings.length} warning(s), ${report.gaps.length} gap(s)` +
      (report.oneSided && report.oneSided.length > 0 ? `, ${oneSided} one-sided minute(s)` : '') +
      (damaged > 0 ? ' — run `candlestore rebuild aggregate` to rebuild damaged stores from the day files' : ''),
  );
  return `${lines.join('\n')}\n`;
}

function statusLine(f: FileSummary): string {
  const status = f.damage > 0 ? 'DAMAGED' : !f.exists ? 'missing' : f.warnings > 0 ? 'ok (warnings)' : 'ok';
  const span = f.firstTs === undefined ? '' : `  ${isoMinute(f.firstTs)} … ${isoMinute(f.lastTs!)}`;
  const unit = f.kind === 'cache' ? 'cached days' : 'records';
  return `${f.symbol} ${f.timeframe}  ${f.file}  ${f.records.toLocaleString('en-US')} ${unit}${span}  ${status}`;
}

function at(f: Finding): string {
  return f.offset === undefined || f.message.includes(' at byte ') ? '' : ` (at byte ${f.offset})`;
}
