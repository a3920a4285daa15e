// Incremental runs: a moving end (1m data appended in 37-minute slices, resample after each) ends byte-identical
// to one run from scratch, reads nothing before in_pos, always ends with the open bar; a run with nothing new
// writes nothing; crash leftovers are cut back; damage is refused; a changed definition rebuilds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, readFile, readdir, stat, truncate, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { configSchema, type Config } from '../../src/config/schema.js';
import { CandleError, CorruptFileError } from '../../src/errors.js';
import { Layout } from '../../src/paths.js';
import { resolveSymbolPlan } from '../../src/timeframes/plan.js';
import { resampleSymbol, type ResampleStats } from '../../src/resample/resample.js';
import { planResample, runResample } from '../../src/resample/stage.js';
import { FLAG_OPEN, HEADER_SIZE, RECORD_SIZE } from '../../src/store/format.js';
import { readIndexFile } from '../../src/store/indexFile.js';
import { HOUR, MIN, appendAggregate, fxMinutes, mt4Shift, readBars, shifted, tempRoot, writeAggregate } from './helpers.js';
import { maskGeneration } from '../helpers/common.js';

const SYMBOL = 'USA500.IDX/USD';
const MT4 = { transform: { symbols: { '*': { time_shift_rule: { zone: 'America/New_York', dst_ms: 3 * HOUR, std_ms: 2 * HOUR } } } } };
const TOKYO = { ...MT4, sessions: { '*.IDX/*': { timezone: 'Asia/Tokyo', ranges: [{ from: '09:00', to: '11:30', weekdays: [1, 2, 3, 4, 5] }, { from: '12:30', to: '15:00', weekdays: [1, 2, 3, 4, 5] }] } } };

async function snapshot(layout: Layout, config: Config, symbol = SYMBOL): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const tf of resolveSymbolPlan(config, symbol).timeframes) {
    // Generation ids are random per file incarnation (docs/format.md): compared apart from the data.
    out.set(`${tf.name}.bin`, maskGeneration('.bin', await readFile(layout.resampleStore(tf.name, symbol))));
    out.set(`${tf.name}.idx`, maskGeneration('.idx', await readFile(layout.resampleIndex(tf.name, symbol))));
  }
  return out;
}

async function fromScratch(t: { after(fn: () => Promise<void>): void }, rows: Parameters<typeof writeAggregate>[2], config: Config): Promise<Map<string, Buffer>> {
  const layout = new Layout(await tempRoot(t));
  await writeAggregate(layout, SYMBOL, rows);
  await resampleSymbol(layout, resolveSymbolPlan(config, SYMBOL));
  return snapshot(layout, config);
}

function assertSameFiles(got: Map<string, Buffer>, want: Map<string, Buffer>): void {
  assert.deepEqual([...got.keys()], [...want.keys()]);
  for (const [name, bytes] of want) assert.ok(got.get(name)!.equals(bytes), `${name} is byte-identical to the full rebuild`);
}

for (const [label, raw, from, to] of [
  ['UTC, no session', {}, '2026-03-06', '2026-03-10'],
  ['Tokyo lunch-break session on MT4 time', TOKYO, '2026-03-04', '2026-03-07'],
] as const) {
  test(`moving end (${label}): resample after every 37 minutes of new 1m data ends byte-identical to one full run, with zero backtracking`, async (t) => {
    const config = configSchema.parse(raw);
    const plan = resolveSymbolPlan(config, SYMBOL);
    const rows = shifted(fxMinutes(from, to, 5), Object.keys(raw).length ? mt4Shift : () => 0);
    const layout = new Layout(await tempRoot(t));
    await writeAggregate(layout, SYMBOL, []);
    const first = rows[0].ts;
    let next = 0;
    let runs = 0;
    const bytesRead = new Map<string, number>();
    const lastInPos = new Map<string, number>();
    for (let end = first + 37 * MIN; next < rows.length; end += 37 * MIN) {
      const slice: typeof rows = [];
      while (next < rows.length && rows[next].ts < end) slice.push(rows[next++]);
      if (slice.length === 0) continue;
      await appendAggregate(layout, SYMBOL, slice);
      const before = new Map<string, number>();
      for (const tf of plan.timeframes) {
        const inPos = (await readIndexFile(layout.resampleIndex(tf.name, SYMBOL), 'Resample'))?.inPos ?? HEADER_SIZE;
        assert.ok(inPos >= (lastInPos.get(tf.name) ?? 0), `${tf.name}: in_pos never moves back`);
        lastInPos.set(tf.name, inPos);
        before.set(tf.name, inPos);
      }
      const stats: ResampleStats = await resampleSymbol(layout, plan);
      runs++;
      for (const s of stats.timeframes) {
        // Zero backtracking: the scan starts at the committed in_pos and reads exactly the header + [in_pos, end).
        assert.equal(s.fromPos, before.get(s.timeframe), `${s.timeframe}: scan starts at the committed in_pos`);
        assert.equal(s.bytesRead, HEADER_SIZE + s.sourceEnd - s.fromPos, `${s.timeframe}: nothing before in_pos is read`);
        bytesRead.set(s.timeframe, (bytesRead.get(s.timeframe) ?? 0) + s.bytesRead);
      }
      const bars5m = await readBars(layout, '5m', SYMBOL);
      if (bars5m.length) {
        assert.equal(bars5m[bars5m.length - 1].flags, FLAG_OPEN, 'the last bar is the open one');
        assert.ok(bars5m.slice(0, -1).every((b) => b.flags === 0), 'closed bars are not flagged');
      }
    }
    assert.ok(runs > 70, `${runs} incremental runs`);
    assertSameFiles(await snapshot(layout, config), await fromScratch(t, rows, config));
    if (!('sessions' in raw)) {
      // Over all runs the 1m source was read about once: each run re-reads only the open 5m bar's rows. (With a
      // session, rows after the last in-session row are re-read until the next range opens: docs/resample.md.)
      const total = HEADER_SIZE + rows.length * RECORD_SIZE;
      assert.ok(bytesRead.get('5m')! < total + runs * (HEADER_SIZE + 5 * RECORD_SIZE), `5m read ${bytesRead.get('5m')} bytes of a ${total}-byte source over ${runs} runs`);
    }
  });
}

test('a run with nothing new writes nothing (files, indexes and mtimes unchanged)', async (t) => {
  const config = configSchema.parse(TOKYO);
  const plan = resolveSymbolPlan(config, SYMBOL);
  const layout = new Layout(await tempRoot(t));
  await writeAggregate(layout, SYMBOL, shifted(fxMinutes('2026-03-02', '2026-03-09', 3), mt4Shift));
  await resampleSymbol(layout, plan);
  const before = await snapshot(layout, config);
  const mtimes = await Promise.all(plan.timeframes.map(async (tf) => (await stat(layout.resampleIndex(tf.name, SYMBOL))).mtimeMs));
  const stats = await resampleSymbol(layout, plan);
  assert.deepEqual(stats.timeframes.map((s) => s.changed), plan.timeframes.map(() => false));
  assertSameFiles(await snapshot(layout, config), before);
  assert.deepEqual(await Promise.all(plan.timeframes.map(async (tf) => (await stat(layout.resampleIndex(tf.name, SYMBOL))).mtimeMs)), mtimes);
});

test('crash after writing bars but before the index: the next run cuts the tail back and ends as a full rebuild', async (t) => {
  const config = configSchema.parse({});
  const plan = resolveSymbolPlan(config, SYMBOL);
  const rows = fxMinutes('2026-03-02', '2026-03-12', 9);
  const cut = rows.findIndex((r) => r.ts >= Date.parse('2026-03-06T13:07:00Z'));
  const layout = new Layout(await tempRoot(t));
  await writeAggregate(layout, SYMBOL, rows.slice(0, cut));
  await resampleSymbol(layout, plan);
  const oldIndexes = await Promise.all(plan.timeframes.map((tf) => readFile(layout.resampleIndex(tf.name, SYMBOL))));
  await appendAggregate(layout, SYMBOL, rows.slice(cut));
  await resampleSymbol(layout, plan);
  // Put the old indexes back: the files now hold bars the "crashed" run never committed.
  await Promise.all(plan.timeframes.map((tf, i) => writeFile(layout.resampleIndex(tf.name, SYMBOL), oldIndexes[i])));
  await appendFile(layout.resampleStore('1h', SYMBOL), Buffer.alloc(100, 7));
  const stats = await resampleSymbol(layout, plan);
  assert.ok(stats.timeframes.find((s) => s.timeframe === '5m')!.repairs.some((m) => m.includes('uncommitted bytes')));
  assertSameFiles(await snapshot(layout, config), await fromScratch(t, rows, config));
});

test('a file without its index (interrupted first run) is deleted and rebuilt', async (t) => {
  const config = configSchema.parse({});
  const plan = resolveSymbolPlan(config, SYMBOL);
  const rows = fxMinutes('2026-03-02', '2026-03-05', 4);
  const layout = new Layout(await tempRoot(t));
  await writeAggregate(layout, SYMBOL, rows);
  await resampleSymbol(layout, plan);
  await writeFile(layout.resampleIndex('15m', SYMBOL), '');
  await truncate(layout.resampleIndex('15m', SYMBOL), 0);
  await assert.rejects(resampleSymbol(layout, plan), (err: unknown) => err instanceof CorruptFileError && err.code === 'RESAMPLE_DAMAGED' && /rebuild resample/.test(err.message));
  const { rm } = await import('node:fs/promises');
  await rm(layout.resampleIndex('15m', SYMBOL));
  const stats = await resampleSymbol(layout, plan);
  assert.ok(stats.timeframes.find((s) => s.timeframe === '15m')!.fromScratch);
  assertSameFiles(await snapshot(layout, config), await fromScratch(t, rows, config));
});

test('damage is refused with a message naming the file and `candlestore rebuild resample`: truncated file, changed closed bar', async (t) => {
  const config = configSchema.parse({});
  const plan = resolveSymbolPlan(config, SYMBOL);
  const layout = new Layout(await tempRoot(t));
  await writeAggregate(layout, SYMBOL, fxMinutes('2026-03-02', '2026-03-05', 4));
  await resampleSymbol(layout, plan);
  const file = layout.resampleStore('30m', SYMBOL);
  const ix = (await readIndexFile(layout.resampleIndex('30m', SYMBOL), 'Resample'))!;
  const bytes = await readFile(file);
  bytes[ix.outPos - RECORD_SIZE + 9] ^= 1;
  await writeFile(file, bytes);
  const isDamage = (what: RegExp) => (err: unknown) =>
    err instanceof CandleError && err.stage === 'Resample' && err.code === 'RESAMPLE_DAMAGED' && err.message.includes(file) && /candlestore rebuild resample/.test(err.message) && what.test(err.message);
  await assert.rejects(resampleSymbol(layout, plan), isDamage(/tail_crc/));
  await truncate(file, ix.outPos - RECORD_SIZE);
  await assert.rejects(resampleSymbol(layout, plan), isDamage(/truncated/));
});

test('a changed definition (session added) rebuilds the timeframe and its dependents from scratch', async (t) => {
  const rows = shifted(fxMinutes('2026-03-02', '2026-03-12', 8), mt4Shift);
  const layout = new Layout(await tempRoot(t));
  await writeAggregate(layout, SYMBOL, rows);
  await resampleSymbol(layout, resolveSymbolPlan(configSchema.parse(MT4), SYMBOL));
  const config = configSchema.parse(TOKYO);
  const stats = await resampleSymbol(layout, resolveSymbolPlan(config, SYMBOL));
  assert.ok(stats.timeframes.every((s) => s.fromScratch && s.repairs.some((m) => m.includes('another definition'))));
  assertSameFiles(await snapshot(layout, config), await fromScratch(t, rows, config));
});

test('the stage runs symbols in worker threads, fail-fast: a damaged symbol aborts the run with a Resample error naming its file', async (t) => {
  const config = configSchema.parse(TOKYO);
  const symbols = ['USA500.IDX/USD', 'JPN225.IDX/JPY', 'EUR/USD', 'GBP/USD'];
  const layout = new Layout(await tempRoot(t));
  const rows = shifted(fxMinutes('2026-03-02', '2026-03-07', 2), mt4Shift);
  for (const s of symbols) await writeAggregate(layout, s, rows);
  const summary = await runResample(planResample(layout, config, symbols), { threads: 2, inlineMaxRows: 0 });
  assert.equal(summary.symbols, 4);
  assert.equal(summary.filesChanged, 4 * 9);
  const ref = await snapshot(layout, config, 'USA500.IDX/USD');
  for (const [name, bytes] of await snapshot(layout, config, 'JPN225.IDX/JPY')) {
    assert.ok(bytes.subarray(name.endsWith('.bin') ? HEADER_SIZE : 0).equals(ref.get(name)!.subarray(name.endsWith('.bin') ? HEADER_SIZE : 0)), `${name}: same bars for the same data and session`);
  }
  assert.equal((await readBars(layout, '1h', 'EUR/USD')).length > (await readBars(layout, '1h', 'USA500.IDX/USD')).length, true, 'EUR/USD has no session: 24h bars');
  await truncate(layout.resampleStore('4h', 'GBP/USD'), HEADER_SIZE + 1);
  await appendAggregate(layout, 'GBP/USD', []);
  await assert.rejects(runResample(planResample(layout, config, symbols), { threads: 2, inlineMaxRows: 0 }), (err: unknown) =>
    err instanceof CandleError && err.stage === 'Resample' && err.message.includes(layout.resampleStore('4h', 'GBP/USD')));
});

test('a small stage runs inline with one commit for all symbols: the same files as worker threads, stale index temps removed per symbol, a rerun with nothing new writes nothing, a damaged symbol aborts it', async (t) => {
  const config = configSchema.parse(TOKYO);
  const symbols = ['USA500.IDX/USD', 'EUR/USD', 'GBP/USD'];
  const rows = shifted(fxMinutes('2026-03-02', '2026-03-05', 2), mt4Shift);
  const inline = new Layout(await tempRoot(t));
  const threaded = new Layout(await tempRoot(t));
  for (const layout of [inline, threaded]) for (const s of symbols) await writeAggregate(layout, s, rows.slice(0, 2000));
  const run = (layout: Layout, threads: boolean) => runResample(planResample(layout, config, symbols), { threads: 2, inlineMaxRows: threads ? 0 : undefined });
  const same = async () => {
    for (const s of symbols) assertSameFiles(await snapshot(inline, config, s), await snapshot(threaded, config, s));
  };
  assert.equal((await run(inline, false)).filesChanged, 3 * 9);
  await run(threaded, true);
  await same();
  for (const layout of [inline, threaded]) for (const s of symbols) await appendAggregate(layout, s, rows.slice(2000));
  const grown = await run(inline, false);
  assert.equal(grown.symbols, 3);
  assert.ok(grown.filesChanged > 0);
  await run(threaded, true);
  await same();
  // Index temp files a killed run left, of two symbols in one folder: each symbol's own are removed and reported.
  const temp = (s: string, n: number) => join(dirname(inline.resampleIndex('1h', s)), `.${basename(inline.resampleIndex('1h', s))}.999.${n}.tmp`);
  for (const [s, n] of [['EUR/USD', 1], ['EUR/USD', 2], ['GBP/USD', 3]] as const) await writeFile(temp(s, n), 'x');
  const cleaned = await run(inline, false);
  assert.deepEqual(cleaned.repairs.filter((m) => /stale temp/.test(m)).map((m) => m.replace(/ of .*/, '')), ['removed 2 stale temp file(s)', 'removed 1 stale temp file(s)']);
  assert.deepEqual((await readdir(dirname(inline.resampleIndex('1h', 'EUR/USD')))).filter((n) => n.endsWith('.tmp')), []);
  const mtimes = async () => Promise.all(symbols.flatMap((s) => resolveSymbolPlan(config, s).timeframes.flatMap((tf) => [stat(inline.resampleStore(tf.name, s)), stat(inline.resampleIndex(tf.name, s))])).map(async (p) => (await p).mtimeMs));
  const before = await mtimes();
  const idle = await run(inline, false);
  assert.equal(idle.filesChanged, 0);
  assert.deepEqual(await mtimes(), before, 'nothing new: no file or index touched');
  await truncate(inline.resampleStore('4h', 'GBP/USD'), HEADER_SIZE + 1);
  await appendAggregate(inline, 'GBP/USD', []);
  await assert.rejects(run(inline, false), (err: unknown) => err instanceof CandleError && err.stage === 'Resample' && err.message.includes(inline.resampleStore('4h', 'GBP/USD')));
});
