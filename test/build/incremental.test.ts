// `build --partition --incremental` after a new `run`: only the partitions whose rows changed are rewritten
// (the others keep their inode), partitions are found from the independent store reader, and the folder
// equals a full export into an empty folder byte for byte.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SimServer } from '../../src/sim/server.js';
import { runCli, snapshot } from '../helpers/cli.js';
import { tempRoot } from '../helpers/common.js';
import { CODES, exportFixture, oracleSeries, timeframesOnDisk } from './helpers.js';

let sim: SimServer;
let root: string;
let clock: { now: number };

before(async () => {
  ({ sim, root, clock } = await exportFixture({ from: '2025-12-29', now: '2026-01-02T15:07:30Z' }));
});
after(async () => {
  await sim.close();
  rmSync(root, { recursive: true, force: true });
});

const build = (args: string[], r = root) => runCli(['build', '--root', r, ...args]);

test('incremental partitions after a new run: only changed partitions rewritten, equal to a full export byte for byte', async (t) => {
  const work = await tempRoot(t);
  const r0 = join(work, 'root');
  cpSync(root, r0, { recursive: true });
  const lake = join(work, 'lake');
  const args = ['--select', '*/*', '--output-dir', lake, '--partition', '--incremental'];
  const first = await build(args, r0);
  assert.equal(first.code, 0, first.stderr);
  const before = new Map(readdirRec(lake).map((f) => [f, statSync(join(lake, f)).ino]));
  const rowsBefore = partitionRows(r0);
  const provisionalBefore = provisionalPartitions(r0);

  const next = '2026-01-03T18:07:30Z';
  clock.now = Date.parse(next);
  const run = await runCli(['run', '--root', r0, '--now', next, '-q']);
  assert.equal(run.code, 0, run.stderr);
  const second = await build(args, r0);
  assert.equal(second.code, 0, second.stderr);
  const rowsAfter = partitionRows(r0);
  const changed = [...rowsAfter.keys()].filter((k) => JSON.stringify(rowsAfter.get(k)) !== JSON.stringify(rowsBefore.get(k)));
  // A partition is kept only when every row it holds was final: one that held provisional rows (the live
  // day, open bars) may have been rewritten by the run even where its values happen to be the same.
  const expected = [...new Set([...changed, ...provisionalBefore])].sort();
  const rewritten = readdirRec(lake).filter((f) => f.endsWith('.parquet') && before.get(f) !== statSync(join(lake, f)).ino).sort();
  assert.ok(changed.length > 0 && expected.length < rowsAfter.size, `${changed.length} changed, ${expected.length} of ${rowsAfter.size} partitions to rewrite`);
  assert.deepEqual(rewritten, expected);
  assert.ok(expected.every((f) => f.includes('year=2026') || /timeframe=1(W|Y)\//.test(f)), expected.join('\n'));
  assert.match(second.stdout, /unchanged partitions kept/);

  const full = join(work, 'full');
  assert.equal((await build(['--select', '*/*', '--output-dir', full, '--partition'], r0)).code, 0);
  const a = snapshot(lake, (f) => !f.startsWith('_'));
  const b = snapshot(full);
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [f, bytes] of b) assert.ok(bytes.equals(a.get(f)!), `${f} differs from a full export`);
  const third = await build(args, r0);
  assert.match(third.stdout, /0 files written/);
});

/** Rows each partition should hold, from the independent reader (key = partition path). */
function partitionRows(r: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const code of CODES) {
    for (const tf of timeframesOnDisk(r, code)) {
      for (const rec of oracleSeries(r, code, tf).records) {
        const key = `timeframe=${tf}/symbol=${code}/year=${new Date(rec.ts).getUTCFullYear()}/data.parquet`;
        if (!out.has(key)) out.set(key, []);
        out.get(key)!.push(rec.ts, rec.o, rec.h, rec.l, rec.c, rec.v);
      }
    }
  }
  return out;
}

/** Partitions that hold at least one provisional row (at or after the index's final_pos). */
function provisionalPartitions(r: string): Set<string> {
  const out = new Set<string>();
  for (const code of CODES) {
    for (const tf of timeframesOnDisk(r, code)) {
      const series = oracleSeries(r, code, tf);
      for (const rec of series.records.slice(series.finalCount)) out.add(`timeframe=${tf}/symbol=${code}/year=${new Date(rec.ts).getUTCFullYear()}/data.parquet`);
    }
  }
  return out;
}

function readdirRec(dir: string): string[] {
  return [...snapshot(dir).keys()];
}
