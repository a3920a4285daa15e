// The real instrument documents (test/fixtures/dukascopy/instrument-*.json): parsed, their trading time read
// minute by minute equal to an independent reading (test/helpers/tradingTime.ts) across a DST switch and the
// Christmas/New Year holidays, turned into a session for `sessions: auto`; and the "did you mean" distance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { firstMinute, parseInstrumentDocument, type InstrumentDocument } from '../../src/dukascopy/instrument.js';
import { tradingIntervals } from '../../src/dukascopy/schedule.js';
import { sessionFromSchedule } from '../../src/config/autoSessions.js';
import { KNOWN_INSTRUMENTS, nearestNames } from '../../src/dukascopy/catalogue.js';
import { tradesAt } from '../helpers/tradingTime.js';

const fixture = (code: string) => readFileSync(new URL(`../fixtures/dukascopy/instrument-${code}.json`, import.meta.url), 'utf8');
const MIN = 60_000;

function parse(code: string, symbol: string): InstrumentDocument {
  const r = parseInstrumentDocument(fixture(code), symbol);
  assert.ok('doc' in r, JSON.stringify(r));
  return r.doc;
}

test('the real documents parse; a document of another symbol or of another shape is refused', () => {
  assert.equal(parse('EUR-USD', 'EUR/USD').priceScale, 5);
  assert.equal(firstMinute(parse('EUR-USD', 'EUR/USD')), Date.UTC(2003, 4, 4, 19));
  assert.equal(parse('BTC-USD', 'BTC/USD').priceScale, 1);
  assert.match((parseInstrumentDocument(fixture('EUR-USD'), 'GBP/USD') as { problem: string }).problem, /describes "EUR\/USD", not GBP\/USD/);
  assert.match((parseInstrumentDocument('{"name":"EUR/USD"}', 'EUR/USD') as { problem: string }).problem, /priceScale/);
  assert.match((parseInstrumentDocument('{"name":', 'EUR/USD') as { problem: string }).problem, /not JSON/);
});

for (const [code, symbol, from, to] of [
  ['EUR-USD', 'EUR/USD', Date.UTC(2026, 2, 4), Date.UTC(2026, 2, 18)],
  ['EUR-USD', 'EUR/USD', Date.UTC(2025, 11, 20), Date.UTC(2026, 0, 6)],
  ['BTC-USD', 'BTC/USD', Date.UTC(2025, 11, 28), Date.UTC(2026, 0, 4)],
] as const) {
  test(`${symbol} ${new Date(from).toISOString().slice(0, 10)}: trading time equals an independent minute-by-minute reading`, () => {
    const doc = parse(code, symbol);
    const iv = tradingIntervals(doc, from, to);
    let k = 0;
    for (let t = from; t < to; t += MIN) {
      while (k < iv.length && iv[k + 1] <= t) k += 2;
      const inside = k < iv.length && t >= iv[k];
      assert.equal(inside, tradesAt(doc as never, t), new Date(t).toISOString());
    }
  });
}

test('EUR/USD: Friday closes 17:00 New York (21:00 UTC in summer), Christmas 2025 closes 08:00–22:00 UTC', () => {
  const doc = parse('EUR-USD', 'EUR/USD');
  assert.deepEqual(tradingIntervals(doc, Date.UTC(2026, 6, 10), Date.UTC(2026, 6, 13)), [Date.UTC(2026, 6, 10), Date.UTC(2026, 6, 10, 21), Date.UTC(2026, 6, 12, 21), Date.UTC(2026, 6, 13)]);
  assert.deepEqual(tradingIntervals(doc, Date.UTC(2025, 11, 25), Date.UTC(2025, 11, 26)), [Date.UTC(2025, 11, 25), Date.UTC(2025, 11, 25, 8), Date.UTC(2025, 11, 25, 22), Date.UTC(2025, 11, 26)]);
});

test('sessions: auto from the real schedules: FX 17:00–17:00 New York Monday–Friday, crypto whole UTC days', () => {
  assert.deepEqual(sessionFromSchedule(parse('EUR-USD', 'EUR/USD'), 'x'), { timezone: 'America/New_York', ranges: [{ from: '17:00', to: '17:00', weekdays: [1, 2, 3, 4, 5] }] });
  assert.deepEqual(sessionFromSchedule(parse('BTC-USD', 'BTC/USD'), 'x'), { timezone: 'UTC', ranges: [{ from: '00:00', to: '24:00' }] });
});

test('did you mean: the nearest catalogue names', () => {
  assert.equal(nearestNames('EURUSD', KNOWN_INSTRUMENTS)[0], 'EUR/USD');
  assert.equal(nearestNames('eur/usd', KNOWN_INSTRUMENTS)[0], 'EUR/USD');
  assert.equal(nearestNames('XAU/UDS', KNOWN_INSTRUMENTS)[0], 'XAU/USD');
  assert.equal(nearestNames('USA500/USD', KNOWN_INSTRUMENTS)[0], 'USA500.IDX/USD');
  assert.deepEqual(nearestNames('QQQQQQQQQQQQ/ZZZ', KNOWN_INSTRUMENTS), []);
});
