// The aggregate stage keeps one definition per 1m store: it is created by the first day file with records
// (an empty day before it, whatever its header says, decides nothing), and a later day file made with other
// settings (another definition fingerprint or other decimals) is refused naming the file; empty days are
// not checked (nothing in them depends on a setting).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { aggregateSymbol } from '../../src/aggregate/aggregate.js';
import { CorruptFileError } from '../../src/errors.js';
import { encodeFile } from '../../src/store/format.js';
import { Layout } from '../../src/paths.js';
import { DAY, dayCandles, tempRoot, utcDay, writeDay } from '../store/helpers.js';
import { SYMBOL } from './helpers.js';
import { readBin } from '../helpers/independent.js';
import { definitionFile } from '../../src/store/definition.js';
import { verifyStores } from '../../src/verify/verify.js';

const FIRST = utcDay('2024-03-02'); // a Saturday
const day = (decimals: number, definition: number, candles: ReturnType<typeof dayCandles>) => encodeFile({ timeframe: '1m', symbol: SYMBOL, decimals, definition }, candles);

test('the first day with records makes the store; a later day of another definition is refused, an empty one is not checked', async (t) => {
  const layout = new Layout(await tempRoot(t));
  // An empty first day written before the decimals were known: decimals 0, no definition.
  await writeDay(layout, SYMBOL, FIRST, day(0, 0, []));
  await writeDay(layout, SYMBOL, FIRST + DAY, day(5, 0x1234, []));
  await writeDay(layout, SYMBOL, FIRST + 2 * DAY, day(5, 0x1234, dayCandles(FIRST + 2 * DAY)));
  await aggregateSymbol(layout, SYMBOL, { csv: false });
  const store = readBin(layout.aggregateStore(SYMBOL));
  assert.equal(store.decimals, 5);
  assert.equal((await readFile(layout.aggregateStore(SYMBOL))).readUInt32LE(56), 0x1234, 'the store carries the definition of its days');
  assert.equal(store.records.length, dayCandles(FIRST + 2 * DAY).length);

  await writeDay(layout, SYMBOL, FIRST + 3 * DAY, day(3, 0x9999, [])); // empty: not checked
  const other = await writeDay(layout, SYMBOL, FIRST + 4 * DAY, day(5, 0x5678, dayCandles(FIRST + 4 * DAY)));
  await assert.rejects(aggregateSymbol(layout, SYMBOL, { csv: false }), (e: unknown) =>
    e instanceof CorruptFileError && e.code === 'DEFINITION_MISMATCH' && e.file === other
    && /made with other settings \(definition 0x00005678\) than the store .* \(definition 0x00001234, time shift and decimals\); run `candlestore rebuild full`/.test(e.message));
  assert.equal(readBin(layout.aggregateStore(SYMBOL)).records.length, dayCandles(FIRST + 2 * DAY).length, 'nothing appended');
});

test('verify: the 1m store against its definition file (missing, damaged, another fingerprint)', async (t) => {
  const layout = new Layout(await tempRoot(t));
  await writeDay(layout, SYMBOL, FIRST + 2 * DAY, day(5, 0x1234, dayCandles(FIRST + 2 * DAY)));
  await aggregateSymbol(layout, SYMBOL, { csv: false });
  const file = layout.aggregateDefinition(SYMBOL);
  const findings = async () => {
    const r = await verifyStores(layout, [SYMBOL]);
    return [...r.damage, ...r.warnings].filter((f) => f.check === 'definition').map((f) => `${f.severity}: ${f.message}`);
  };
  const [missing] = await findings();
  assert.match(missing, /^warning: no definition file .*EUR-USD\.def\.json: .* fingerprint 0x00001234 in its header/);
  // A definition whose fingerprint is the header's: nothing to say.
  const def = { a: 1 };
  const matching = definitionFile(def);
  await writeFile(file, JSON.stringify({ definition: def, fingerprint: matching.fingerprint, notes: {} }));
  const store = await readFile(layout.aggregateStore(SYMBOL));
  store.writeUInt32LE(matching.fingerprint, 56);
  store.writeUInt32LE(crc32(store.subarray(0, 60)), 60);
  await writeFile(layout.aggregateStore(SYMBOL), store);
  assert.deepEqual(await findings(), []);
  await writeFile(file, JSON.stringify({ definition: { a: 2 }, fingerprint: definitionFile({ a: 2 }).fingerprint, notes: {} }));
  const [other] = await findings();
  assert.match(other, new RegExp(`^damage: the store was built with settings of fingerprint 0x${matching.fingerprint.toString(16).padStart(8, '0')} but its definition file .* records 0x[0-9a-f]{8}; run \`candlestore rebuild full\``));
  await writeFile(file, '{"definition":{"a":2},"fingerprint":1,"notes":{}}');
  const [damaged] = await findings();
  assert.match(damaged, /^damage: definition file damaged: fingerprint 1 is not the CRC-32 of its definition/);
});
