// SymbolCascade with 1m records handed over in memory (the entry point of a fused cold path): fed in small
// uneven chunks without knowing up front where the 1m store's final rows end (told per chunk, and at
// finish), every timeframe file and index ends byte-identical to resampleSymbol reading the store, from
// scratch and incrementally, with and without sessions, with a provisional 1m tail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { configSchema, type Config } from '../../src/config/schema.js';
import { Layout } from '../../src/paths.js';
import { SymbolCascade, resampleSymbol } from '../../src/resample/resample.js';
import { RecordChunk } from '../../src/store/chunk.js';
import { HEADER_SIZE, RECORD_SIZE, decodeHeader } from '../../src/store/format.js';
import { readIndexFile, writeIndexFile } from '../../src/store/indexFile.js';
import { resolveSymbolPlan } from '../../src/timeframes/plan.js';
import { maskGeneration } from '../helpers/common.js';
import { HOUR, MIN, appendAggregate, fxMinutes, mt4Shift, shifted, tempRoot, writeAggregate } from './helpers.js';

const SYMBOL = 'USA500.IDX/USD';
const MT4 = { transform: { symbols: { '*': { time_shift_rule: { zone: 'America/New_York', dst_ms: 3 * HOUR, std_ms: 2 * HOUR } } } } };
const TOKYO = { ...MT4, sessions: { '*.IDX/*': { timezone: 'Asia/Tokyo', ranges: [{ from: '09:00', to: '11:30', weekdays: [1, 2, 3, 4, 5] }, { from: '12:30', to: '15:00', weekdays: [1, 2, 3, 4, 5] }] } } };
/** Rows at the end of the 1m store left provisional (beyond its final_pos). */
const PROVISIONAL_ROWS = 150;

async function snapshot(layout: Layout, config: Config): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const tf of resolveSymbolPlan(config, SYMBOL).timeframes) {
    out.set(`${tf.name}.bin`, maskGeneration('.bin', await readFile(layout.resampleStore(tf.name, SYMBOL))));
    out.set(`${tf.name}.idx`, maskGeneration('.idx', await readFile(layout.resampleIndex(tf.name, SYMBOL))));
  }
  return out;
}

/** Append `rows` to the 1m store and leave its last PROVISIONAL_ROWS rows provisional. */
async function append(layout: Layout, rows: Parameters<typeof appendAggregate>[2]): Promise<void> {
  await appendAggregate(layout, SYMBOL, rows);
  const ix = (await readIndexFile(layout.aggregateIndex(SYMBOL), 'Aggregate'))!;
  await writeIndexFile(layout.aggregateIndex(SYMBOL), { ...ix, finalPos: Math.max(HEADER_SIZE, ix.outPos - PROVISIONAL_ROWS * RECORD_SIZE) });
}

/** Resample through SymbolCascade from the 1m store's bytes in memory, `step` rows a chunk. */
async function fromMemory(layout: Layout, config: Config, nowMs: number, step: number): Promise<void> {
  const file = layout.aggregateStore(SYMBOL);
  const bytes = await readFile(file);
  const ix = (await readIndexFile(layout.aggregateIndex(SYMBOL), 'Aggregate'))!;
  const cascade = await SymbolCascade.open(layout, resolveSymbolPlan(config, SYMBOL), { file, decimals: decodeHeader(bytes.subarray(0, HEADER_SIZE), file, 'Resample').decimals }, { nowMs });
  try {
    for (let pos = cascade.baseFrom; pos < ix.outPos; pos += step * RECORD_SIZE) {
      const end = Math.min(ix.outPos, pos + step * RECORD_SIZE);
      // A fresh aligned copy, as a caller's own buffer would be.
      const chunk = new RecordChunk(Buffer.from(bytes.subarray(pos, end)), pos);
      cascade.feedBase(chunk, Math.max(0, Math.min(chunk.count, (ix.finalPos - pos) / RECORD_SIZE)));
    }
    const finalEnd = ix.finalPos > HEADER_SIZE ? Number(bytes.readBigInt64LE(ix.finalPos - RECORD_SIZE)) + MIN : Number.NEGATIVE_INFINITY;
    await cascade.finish({ end: ix.outPos, finalPos: ix.finalPos, finalEnd });
  } finally {
    cascade.release();
  }
}

for (const [label, raw, from, to] of [
  ['UTC, no session', {}, '2026-03-02', '2026-03-12'],
  ['Tokyo lunch-break session on MT4 time', TOKYO, '2026-03-02', '2026-03-12'],
] as const) {
  test(`1m records in memory (${label}): every timeframe byte-identical to reading the store, cold and incremental`, async (t) => {
    const config = configSchema.parse(raw);
    const plan = resolveSymbolPlan(config, SYMBOL);
    const rows = shifted(fxMinutes(from, to, 11), Object.keys(raw).length ? mt4Shift : () => 0);
    const cut = Math.floor(rows.length * 0.7);
    const fromStore = new Layout(await tempRoot(t));
    const inMemory = new Layout(await tempRoot(t));
    for (const layout of [fromStore, inMemory]) {
      await writeAggregate(layout, SYMBOL, []);
      await append(layout, rows.slice(0, cut));
    }
    // The clock: just after the first part's last row, then after the whole data (bars open and provisional).
    const clocks = [rows[cut - 1].ts + 7 * MIN, rows[rows.length - 1].ts + 3 * MIN];
    await resampleSymbol(fromStore, plan, { nowMs: clocks[0] });
    await fromMemory(inMemory, config, clocks[0], 777);
    const cold = await snapshot(fromStore, config);
    assert.ok(cold.get('5m.bin')!.length > HEADER_SIZE + 200 * RECORD_SIZE, 'the cold run built bars');
    assert.deepEqual(await snapshot(inMemory, config), cold, 'cold run');

    for (const layout of [fromStore, inMemory]) await append(layout, rows.slice(cut));
    await resampleSymbol(fromStore, plan, { nowMs: clocks[1] });
    await fromMemory(inMemory, config, clocks[1], 301);
    const incremental = await snapshot(fromStore, config);
    assert.notDeepEqual(incremental, cold, 'the second run changed the files');
    assert.deepEqual(await snapshot(inMemory, config), incremental, 'incremental run');
  });
}
