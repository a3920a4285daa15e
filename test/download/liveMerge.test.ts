import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDayJson, type DayJson } from '../../src/dukascopy/dayJson.js';
import { encodeDayJson, mergeLiveDay } from '../../src/download/liveMerge.js';
import { DAY, MINUTE, decodeDay } from './helpers.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/dukascopy/', import.meta.url));
const load = (name: string) => readFileSync(FIXTURES + name, 'utf8');
const EURUSD = load('candles-minute-EUR-USD-BID-2026-7-10.json');
const BTCUSD = load('candles-minute-BTC-USD-BID-from-1783900800000.json');
const EMPTY = load('candles-minute-EUR-USD-BID-2026-7-11-empty.json');
const parse = (text: string) => parseDayJson(text, 'test', 'Download');
const DAY10 = Date.UTC(2026, 6, 10);

test('recorded day, day closed: merge into nothing reproduces the recorded arrays exactly', () => {
  for (const text of [EURUSD, BTCUSD]) {
    const doc = parse(text);
    const day = Math.floor(doc.timestamp / DAY) * DAY;
    const { doc: out, appended, kept } = mergeLiveDay(undefined, doc, day, day + DAY, 'test');
    assert.equal(kept, 0);
    assert.equal(appended, doc.times.length);
    assert.deepEqual(JSON.parse(encodeDayJson(out)), JSON.parse(text));
    assert.deepEqual(Object.keys(JSON.parse(encodeDayJson(out))), Object.keys(JSON.parse(text)));
  }
});

test('only complete candles are taken (minute start + 60 s ≤ now)', () => {
  const now = DAY10 + 10 * 3_600_000 + 30_000; // 10:00:30 — the 10:00 minute is still forming
  const { doc } = mergeLiveDay(undefined, parse(EURUSD), DAY10, now, 'test');
  const got = decodeDay(encodeDayJson(doc));
  const want = decodeDay(EURUSD).filter((c) => c.t + MINUTE <= now);
  assert.deepEqual(got, want);
  assert.equal(got.at(-1)!.t, DAY10 + 10 * 3_600_000 - MINUTE);
});

test('forward-only: kept candles stay as they were even when the server revises them; later ones are appended', () => {
  const t1 = DAY10 + 6 * 3_600_000;
  const first = mergeLiveDay(undefined, parse(EURUSD), DAY10, t1, 'test').doc;
  const firstText = encodeDayJson(first);
  // the server now sends a different close for the 02:00 candle and a different base (first candle) close
  const revised = parse(EURUSD);
  revised.close = (revised.close as number) + 0.0001;
  const i = decodeDay(EURUSD).findIndex((c) => c.t === DAY10 + 2 * 3_600_000);
  revised.closes[i] += 7;
  revised.closes[i + 1] -= 7;
  const t2 = DAY10 + 12 * 3_600_000;
  const { doc, kept, appended } = mergeLiveDay(parse(firstText), revised, DAY10, t2, 'test');
  const before = decodeDay(firstText);
  const afterRun = decodeDay(encodeDayJson(doc));
  assert.equal(kept, before.length);
  assert.deepEqual(afterRun.slice(0, before.length), before, 'decoded prefix unchanged');
  const revisedCandles = decodeDay(JSON.stringify(revised));
  assert.deepEqual(afterRun.slice(before.length), revisedCandles.filter((c) => c.t >= t1 && c.t + MINUTE <= t2));
  assert.equal(appended, afterRun.length - before.length);
  for (const k of ['times', 'opens', 'highs', 'lows', 'closes', 'volumes'] as const) {
    assert.deepEqual(doc[k].slice(0, first[k].length), first[k], `${k} prefix bytes kept`);
  }
  assert.equal(doc.open, first.open);
  assert.equal(doc.close, first.close);
});

test('nothing new → nothing appended', () => {
  const t1 = DAY10 + 6 * 3_600_000;
  const first = mergeLiveDay(undefined, parse(EURUSD), DAY10, t1, 'test').doc;
  const again = mergeLiveDay(parse(encodeDayJson(first)), parse(EURUSD), DAY10, t1 + 30_000, 'test');
  assert.equal(again.appended, 0);
  assert.equal(encodeDayJson(again.doc), encodeDayJson(first));
});

test('empty answers: an empty day stays empty; candles later fill an empty file', () => {
  const day11 = Date.UTC(2026, 6, 11);
  const empty = mergeLiveDay(undefined, parse(EMPTY), day11, day11 + 5 * 3_600_000, 'test');
  assert.equal(empty.appended, 0);
  assert.equal(empty.doc.open, null);
  assert.deepEqual(empty.doc.times, []);
  parse(encodeDayJson(empty.doc));
  const filled = mergeLiveDay(empty.doc, parse(EURUSD), DAY10, DAY10 + 3_600_000, 'test');
  assert.equal(filled.kept, 0);
  assert.deepEqual(decodeDay(encodeDayJson(filled.doc)), decodeDay(EURUSD).filter((c) => c.t + MINUTE <= DAY10 + 3_600_000));
});

test('candles outside the UTC day are ignored', () => {
  const doc: DayJson = parse(EURUSD);
  const { doc: out } = mergeLiveDay(undefined, doc, DAY10 + DAY, DAY10 + 2 * DAY, 'test');
  assert.deepEqual(out.times, []);
});
