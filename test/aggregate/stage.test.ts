// The aggregate stage over many symbols: inline (one commit batch for all) and in worker threads give the
// same stores; nothing new commits nothing; a damaged day file aborts either way with an Aggregate error
// naming it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { planAggregate, runAggregate } from '../../src/aggregate/stage.js';
import { CandleError } from '../../src/errors.js';
import { Layout } from '../../src/paths.js';
import { bodyCrcOf, decodeHeader, encodeHeader } from '../../src/store/format.js';
import { DAY, tempRoot, utcDay } from '../store/helpers.js';
import { storeFiles, writeClosedDays, writeLiveDay } from './helpers.js';

const SYMBOLS = ['EUR/USD', 'GBP/USD', 'USD/JPY'];
const FIRST = utcDay('2024-02-26');

async function root(t: { after(fn: () => Promise<void>): void }, days: number): Promise<Layout> {
  const layout = new Layout(await tempRoot(t));
  for (const s of SYMBOLS) await writeClosedDays(layout, FIRST, days, s);
  return layout;
}

test('inline and worker threads build the same stores; a rerun with nothing new commits nothing; a live day is continued', async (t) => {
  const inline = await root(t, 6);
  const threaded = await root(t, 6);
  const run = async (layout: Layout, threads: boolean) =>
    runAggregate(await planAggregate(layout, SYMBOLS, true), { threads: 2, inlineMaxDayFiles: threads ? -1 : undefined });
  const same = async () => {
    // Same bytes; each store has its own (random) generation, which storeFiles masks and reports apart.
    const data = async (layout: Layout, s: string) => ({ ...(await storeFiles(layout, s)), generation: undefined });
    for (const s of SYMBOLS) assert.deepEqual(await data(inline, s), await data(threaded, s), s);
  };
  const first = await run(inline, false);
  assert.deepEqual(first.map((s) => s.symbol).sort(), [...SYMBOLS].sort());
  assert.ok(first.every((s) => s.daysRead === 6 && s.commits === 1));
  await run(threaded, true);
  await same();
  for (const layout of [inline, threaded]) for (const s of SYMBOLS) await writeLiveDay(layout, FIRST + 6 * DAY, 500, s);
  await run(inline, false);
  await run(threaded, true);
  await same();
  const index = inline.aggregateIndex('GBP/USD');
  const before = (await stat(index)).mtimeMs;
  const idle = await run(inline, false);
  assert.ok(idle.every((s) => s.recordsAppended === 0 && s.commits === 0));
  assert.equal((await stat(index)).mtimeMs, before);
});

test('a damaged day file aborts the stage, inline or in a worker, naming the file; the damaged symbol gets no index', async (t) => {
  // A flipped bit is caught by the header's body_crc; with body_crc recomputed (a consistent but wrong day
  // file), by the record checks.
  for (const [threads, consistent] of [[false, false], [true, false], [false, true], [true, true]]) {
    const layout = await root(t, 3);
    const bad = layout.transformDay('USD/JPY', FIRST + DAY);
    const bytes = await readFile(bad);
    bytes[64 + 20 * 64 + 23] ^= 0xff; // sign and exponent of the high of record 20: no longer ≥ open and close
    if (consistent) encodeHeader({ ...decodeHeader(bytes, bad, 'Aggregate'), bodyCrc: bodyCrcOf(bytes) }).copy(bytes, 0);
    await writeFile(bad, bytes);
    const code = consistent ? 'BAD_RECORD' : 'BODY_CRC';
    await assert.rejects(
      runAggregate(await planAggregate(layout, SYMBOLS, false), { threads: 2, inlineMaxDayFiles: threads ? -1 : undefined }),
      (err: unknown) => err instanceof CandleError && err.stage === 'Aggregate' && err.code === code && err.message.includes(bad),
    );
    await assert.rejects(stat(layout.aggregateIndex('USD/JPY')), /ENOENT/, 'the damaged symbol has no index');
  }
});
