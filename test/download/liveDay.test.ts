import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDayJson, type DayJson } from '../../src/dukascopy/dayJson.js';
import { completeLiveDay, encodeDayJson } from '../../src/download/liveDay.js';
import { DAY, MINUTE, decodeDay } from './helpers.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/dukascopy/', import.meta.url));
const load = (name: string) => readFileSync(FIXTURES + name, 'utf8');
const EURUSD = load('candles-minute-EUR-USD-BID-2026-7-10.json');
const BTCUSD = load('candles-minute-BTC-USD-BID-from-1783900800000.json');
const EMPTY = load('candles-minute-EUR-USD-BID-2026-7-11-empty.json');
const parse = (text: string) => parseDayJson(text, 'test', 'Download');
const DAY10 = Date.UTC(2026, 6, 10);

test('recorded day, day closed: the answer is kept exactly (arrays and key order)', () => {
  for (const text of [EURUSD, BTCUSD]) {
    const doc = parse(text);
    const day = Math.floor(doc.timestamp / DAY) * DAY;
    const out = encodeDayJson(completeLiveDay(doc, day, day + DAY, 'test'));
    assert.deepEqual(JSON.parse(out), JSON.parse(text));
    assert.deepEqual(Object.keys(JSON.parse(out)), Object.keys(JSON.parse(text)));
  }
});

test('only complete candles are taken (minute start + 60 s ≤ now), re-based on the first kept one', () => {
  const now = DAY10 + 10 * 3_600_000 + 30_000; // 10:00:30 — the 10:00 minute is still forming
  const got = decodeDay(encodeDayJson(completeLiveDay(parse(EURUSD), DAY10, now, 'test')));
  const want = decodeDay(EURUSD).filter((c) => c.t + MINUTE <= now);
  assert.deepEqual(got, want);
  assert.equal(got.at(-1)!.t, DAY10 + 10 * 3_600_000 - MINUTE);
});

test('a revised answer replaces earlier minutes: the file is the latest answer, not a merge', () => {
  const t1 = DAY10 + 6 * 3_600_000;
  const first = decodeDay(encodeDayJson(completeLiveDay(parse(EURUSD), DAY10, t1, 'test')));
  // the server now sends a different close for the 02:00 candle and a different base (first candle) close
  const revised = parse(EURUSD);
  revised.close = (revised.close as number) + 0.0001;
  const i = decodeDay(EURUSD).findIndex((c) => c.t === DAY10 + 2 * 3_600_000);
  revised.closes[i] += 7;
  revised.closes[i + 1] -= 7;
  const t2 = DAY10 + 12 * 3_600_000;
  const got = decodeDay(encodeDayJson(completeLiveDay(revised, DAY10, t2, 'test')));
  assert.deepEqual(got, decodeDay(JSON.stringify(revised)).filter((c) => c.t + MINUTE <= t2));
  assert.notDeepEqual(got[0], first[0], 'first candle revised');
  assert.notDeepEqual(got[i], first[i], '02:00 revised');
});

test('empty answers give an empty day in the service shape', () => {
  const day11 = Date.UTC(2026, 6, 11);
  const empty = completeLiveDay(parse(EMPTY), day11, day11 + 5 * 3_600_000, 'test');
  assert.equal(empty.open, null);
  assert.deepEqual(empty.times, []);
  assert.equal(empty.timestamp, day11);
  parse(encodeDayJson(empty));
});

test('candles outside the UTC day are ignored', () => {
  const doc: DayJson = parse(EURUSD);
  assert.deepEqual(completeLiveDay(doc, DAY10 + DAY, DAY10 + 2 * DAY, 'test').times, []);
});

test('a time step that is not a whole number of shifts is refused', () => {
  const doc = parse(EURUSD);
  doc.times[3] = 0.5;
  assert.throws(() => completeLiveDay(doc, DAY10, DAY10 + DAY, 'live.json'), { name: 'CorruptFileError' });
});
