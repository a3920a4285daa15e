// `node bench/dist/bench/medians.js RUN1.json RUN2.json RUN3.json…` — the median of several whole bench runs,
// as the Markdown table bench/README.md records. Each figure's row is taken from the run whose ratio to the
// target is the median (so the text shown is a real measurement, not a blend of runs); the ratio of every run
// is listed beside it so the spread is visible. Rows without a target come from the median run by load.
import { readFileSync } from 'node:fs';
import type { Results, Row } from './report.js';

interface Run {
  file: string;
  results: Results;
}

function load(file: string): Run {
  const results = JSON.parse(readFileSync(file, 'utf8')) as Results;
  if (!Array.isArray(results.rows)) throw new Error(`${file}: no rows (not a whole bench run's results.json)`);
  return { file, results };
}

const key = (r: Row) => `${r.section}\u0000${r.figure}`;

export function medianTable(runs: readonly Run[]): string {
  if (runs.length === 0) throw new Error('give at least one results.json');
  const cell = (s: string) => s.replaceAll('|', '\\|');
  const lines = [
    `| # | figure | ours (median run) | target | ours ÷ target, median | per run |`,
    '|---|---|---|---|---|---|',
  ];
  const order: string[] = [];
  const byKey = new Map<string, (Row | undefined)[]>();
  runs.forEach((run, i) => {
    for (const row of run.results.rows ?? []) {
      const k = key(row);
      if (!byKey.has(k)) {
        byKey.set(k, new Array<Row | undefined>(runs.length).fill(undefined));
        order.push(k);
      }
      byKey.get(k)![i] = row;
    }
  });
  for (const k of order) {
    const rows = byKey.get(k)!;
    const present = rows.filter((r): r is Row => r !== undefined);
    const rated = present.filter((r) => r.ratio !== undefined).sort((a, b) => a.ratio! - b.ratio!);
    const shown = rated.length > 0 ? rated[(rated.length - 1) >> 1] : present[(present.length - 1) >> 1];
    const median = rated.length > 0 ? shown.ratio! : undefined;
    const met = median === undefined ? '' : `${median.toFixed(2)} ${median >= 1 ? '✓' : '✗'}`;
    const perRun = rows.map((r) => (r?.ratio === undefined ? '–' : r.ratio.toFixed(2))).join(' · ');
    lines.push(`| ${cell(shown.section)} | ${cell(shown.figure)} | ${cell(shown.ours)} | ${cell(shown.target)} | ${met} | ${median === undefined ? '' : perRun} |`);
  }
  const loads = runs.map((r) => `${r.results.date} load ${r.results.machine.loadAvgAtStart.map((x) => x.toFixed(2)).join(' ')} → ${r.results.loadAvgAtEnd.map((x) => x.toFixed(2)).join(' ')}, ${r.results.benchSeconds.toFixed(0)} s`);
  return `${lines.join('\n')}\n\nRuns (load average 1/5/15 min at start → end):\n${loads.map((l, i) => `${i + 1}. ${l}`).join('\n')}\n`;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: node bench/dist/bench/medians.js RUN1.json RUN2.json …\n');
  process.exit(2);
}
process.stdout.write(medianTable(files.map(load)));
