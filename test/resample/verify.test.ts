// verifyTimeframes: clean files pass; a closed bar that disagrees with its source rows is damage even when its
// checksums were fixed up; an open bar lagging its source is only a warning; truncation and a wrong in_pos are
// damage; a file built with another definition is a warning (the next run stops and names the rebuild).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { configSchema } from '../../src/config/schema.js';
import { Layout } from '../../src/paths.js';
import { resolveSymbolPlan } from '../../src/timeframes/plan.js';
import { resampleSymbol } from '../../src/resample/resample.js';
import { verifyTimeframes } from '../../src/resample/verify.js';
import { HEADER_SIZE, R_CLOSE, RECORD_SIZE } from '../../src/store/format.js';
import { readIndexFile, writeIndexFile } from '../../src/store/indexFile.js';
import { appendAggregate, fxMinutes, tempRoot, writeAggregate } from './helpers.js';

const SYMBOL = 'EUR/USD';

async function setup(t: { after(fn: () => Promise<void>): void }) {
  const config = configSchema.parse({ sessions: { '*': { timezone: 'Europe/London', ranges: [{ from: '08:00', to: '16:30', weekdays: [1, 2, 3, 4, 5] }] } } });
  const layout = new Layout(await tempRoot(t));
  const rows = fxMinutes('2026-03-02', '2026-03-14', 6);
  // Cut inside a 5m bucket of the session, so the open bars are still forming.
  const cut = rows.findIndex((r) => r.ts >= Date.parse('2026-03-12T10:02:00Z'));
  await writeAggregate(layout, SYMBOL, rows.slice(0, cut));
  await resampleSymbol(layout, resolveSymbolPlan(config, SYMBOL));
  return { config, layout, rows, cut };
}

test('clean files: no damage, no warnings, every timeframe listed with its bars', async (t) => {
  const { config, layout } = await setup(t);
  const report = await verifyTimeframes(layout, [SYMBOL], config);
  assert.deepEqual(report.damage, []);
  assert.deepEqual(report.warnings, []);
  assert.deepEqual(report.files.map((f) => f.timeframe), ['5m', '15m', '30m', '1h', '4h', '1d', '1W', '1M', '1Y']);
  assert.ok(report.files.every((f) => f.exists && f.records > 0));
});

test('a closed bar whose close disagrees with its source rows is damage, even with its checksums fixed up', async (t) => {
  const { config, layout } = await setup(t);
  const file = layout.resampleStore('1h', SYMBOL);
  const ix = (await readIndexFile(layout.resampleIndex('1h', SYMBOL), 'Verify'))!;
  const bytes = await readFile(file);
  const at = HEADER_SIZE + 3 * RECORD_SIZE;
  bytes.writeDoubleLE(bytes.readDoubleLE(at + R_CLOSE) + 0.0001, at + R_CLOSE);
  await writeFile(file, bytes);
  assert.ok(at < ix.finalPos, 'fixture: bar 3 is final');
  await writeIndexFile(layout.resampleIndex('1h', SYMBOL), { ...ix, dataCrc: crc32(bytes.subarray(HEADER_SIZE, ix.finalPos)), tailCrc: crc32(bytes.subarray(ix.finalPos, ix.outPos)) });
  const report = await verifyTimeframes(layout, [SYMBOL], config);
  const own = report.damage.filter((d) => d.timeframe === '1h');
  assert.equal(own.length, 1, JSON.stringify(report.damage));
  assert.equal(own[0].check, 'ohlcv');
  assert.equal(own[0].offset, at);
  assert.match(own[0].message, /bar 3 .*close/);
  // The 4h bar built from it now disagrees with its (changed) source too: verify follows the cascade.
  assert.ok(report.damage.filter((d) => d.timeframe !== '1h').every((d) => d.timeframe === '4h' && d.check === 'ohlcv'));
});

test('an open bar lagging its source (the source ran, this timeframe not yet) is a warning; a run clears it', async (t) => {
  const { config, layout, rows, cut } = await setup(t);
  await appendAggregate(layout, SYMBOL, rows.slice(cut));
  const plan = resolveSymbolPlan(config, SYMBOL);
  await resampleSymbol(layout, { ...plan, timeframes: plan.timeframes.slice(0, 1) });
  const report = await verifyTimeframes(layout, [SYMBOL], config);
  assert.deepEqual(report.damage, []);
  assert.ok(report.warnings.some((w) => w.timeframe === '15m' && w.check === 'ohlcv' && /lags/.test(w.message)), JSON.stringify(report.warnings));
  await resampleSymbol(layout, plan);
  const after = await verifyTimeframes(layout, [SYMBOL], config);
  assert.deepEqual([after.damage, after.warnings], [[], []]);
});

test('truncation, a wrong in_pos and a changed definition', async (t) => {
  const { config, layout } = await setup(t);
  const ix4h = (await readIndexFile(layout.resampleIndex('4h', SYMBOL), 'Verify'))!;
  await writeIndexFile(layout.resampleIndex('4h', SYMBOL), { ...ix4h, inPos: ix4h.inPos - RECORD_SIZE });
  await truncate(layout.resampleStore('1W', SYMBOL), HEADER_SIZE);
  const other = configSchema.parse({ ...config, sessions: {} });
  const report = await verifyTimeframes(layout, [SYMBOL], config);
  assert.ok(report.damage.some((d) => d.timeframe === '1W' && d.check === 'size' && /rebuild resample/.test(d.message)));
  assert.ok(report.damage.some((d) => d.timeframe === '4h' && d.check === 'index' && /in_pos/.test(d.message)));
  const changed = await verifyTimeframes(layout, [SYMBOL], other);
  assert.ok(changed.warnings.some((w) => w.check === 'definition'));
});
