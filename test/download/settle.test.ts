// settle.ts: when a closed day's answer may be cached as final. Days built here from the rule's own terms
// (a candle every minute from a start to an end), each case named after what it guards against.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settleDay, expectedLastMinute, lastCandleTime, MAX_HOLD_MS } from '../../src/download/settle.js';
import type { DayJson } from '../../src/dukascopy/dayJson.js';

const MIN = 60_000;
const SETTLE = 30 * MIN;
const THU = Date.UTC(2026, 6, 16);
const FRI = Date.UTC(2026, 6, 17);
const SAT = Date.UTC(2026, 6, 18);
const SUN = Date.UTC(2026, 6, 19);
const at = (day: number, hh: number, mm = 0) => day + hh * 3_600_000 + mm * MIN;

/** A day document with one candle a minute in [from, to] (inclusive), or empty. */
function day(dayMs: number, from?: number, to?: number): DayJson {
  if (from === undefined || to === undefined) return { timestamp: dayMs, multiplier: 1e-5, shift: MIN, open: null, high: null, low: null, close: null, times: [], opens: [], highs: [], lows: [], closes: [], volumes: [] };
  const n = (to - from) / MIN + 1;
  const zeros = Array.from({ length: n }, (_, i) => (i === 0 ? 0 : 1));
  return { timestamp: from, multiplier: 1e-5, shift: MIN, open: 1, high: 1, low: 1, close: 1, times: zeros, opens: zeros.map(() => 0), highs: zeros.map(() => 0), lows: zeros.map(() => 0), closes: zeros.map(() => 0), volumes: zeros.map(() => 1) };
}
const fullFx = day(THU, THU, at(THU, 23, 59));

test('the last candle is timestamp + Σ times · shift', () => {
  assert.equal(lastCandleTime(fullFx), at(THU, 23, 59));
  assert.equal(lastCandleTime(day(SAT)), undefined);
});

test('within the settle time after the close a complete day stays provisional, after it the day is final', () => {
  const s = settleDay({ symbol: 'EUR/USD', day: THU, doc: fullFx, clientNow: at(FRI, 0, 29), settleMs: SETTLE });
  assert.equal(s.final, false);
  assert.match((s as { reason: string }).reason, /fetched 29 min after the day's close by the clock, settle time 30 min/);
  assert.deepEqual(settleDay({ symbol: 'EUR/USD', day: THU, doc: fullFx, clientNow: at(FRI, 0, 30), settleMs: SETTLE }), { final: true });
  assert.deepEqual(settleDay({ symbol: 'EUR/USD', day: THU, doc: fullFx, clientNow: at(FRI, 0, 0), settleMs: 0 }), { final: true });
});

test("a server whose clock lags the client's holds the day back, whatever the content", () => {
  // Client well past the close; the server's Date header says the day has not closed there (or only just).
  const notClosed = settleDay({ symbol: 'USA500.IDX/USD', day: THU, doc: day(THU, at(THU, 13, 30), at(THU, 19, 59)), clientNow: at(FRI, 2), serverNow: at(THU, 23), settleMs: SETTLE });
  assert.match((notClosed as { reason: string }).reason, /the server's clock \(2026-07-16 23:00 UTC\) is before the day's close/);
  const justClosed = settleDay({ symbol: 'EUR/USD', day: THU, doc: fullFx, clientNow: at(FRI, 2), serverNow: at(FRI, 0, 10), settleMs: SETTLE });
  assert.match((justClosed as { reason: string }).reason, /10 min after the day's close by the server's clock/);
  // A server ahead of the client does not shorten the settle time.
  assert.equal(settleDay({ symbol: 'EUR/USD', day: THU, doc: fullFx, clientNow: at(FRI, 0, 5), serverNow: at(FRI, 3), settleMs: SETTLE }).final, false);
});

test('a day cut short of its known trading hours is provisional until a day after its close', () => {
  const cut = day(THU, THU, at(THU, 22, 39));
  const s = settleDay({ symbol: 'EUR/USD', day: THU, doc: cut, clientNow: at(FRI, 1), settleMs: SETTLE });
  assert.match((s as { reason: string }).reason, /last candle at 2026-07-16 22:39 UTC, though EUR\/USD trades until 2026-07-17 00:00 UTC/);
  // Within the tolerance (a few quiet minutes at the end) it is final.
  assert.equal(settleDay({ symbol: 'EUR/USD', day: THU, doc: day(THU, THU, at(THU, 23, 50)), clientNow: at(FRI, 1), settleMs: SETTLE }).final, true);
  // A holiday's early close is taken as final once a day has passed.
  assert.equal(settleDay({ symbol: 'EUR/USD', day: THU, doc: cut, clientNow: FRI + MAX_HOLD_MS, settleMs: SETTLE }).final, true);
  assert.equal(settleDay({ symbol: 'BTC/USD', day: SAT, doc: day(SAT, SAT, at(SAT, 20)), clientNow: at(SUN, 1), settleMs: SETTLE }).final, false);
  assert.equal(settleDay({ symbol: 'EUR/USD', day: THU, doc: day(THU), clientNow: at(FRI, 1), settleMs: SETTLE }).final, false);
});

test('trading hours: FX week (Friday closes 22:00, Saturday none), crypto every day, anything else unknown', () => {
  assert.equal(expectedLastMinute('EUR/USD', THU), at(THU, 23, 59));
  // Friday ends at 17:00 New York: 21:00 UTC in its summer, 22:00 UTC in its winter.
  assert.equal(expectedLastMinute('XAU/USD', FRI), at(FRI, 20, 59));
  const winterFri = Date.UTC(2026, 0, 16);
  assert.equal(expectedLastMinute('EUR/USD', winterFri), at(winterFri, 21, 59));
  assert.equal(expectedLastMinute('EUR/USD', SAT), undefined);
  assert.equal(expectedLastMinute('EUR/USD', SUN), at(SUN, 23, 59));
  assert.equal(expectedLastMinute('BTC/USD', SAT), at(SAT, 23, 59));
  assert.equal(expectedLastMinute('USA500.IDX/USD', THU), undefined);
  assert.equal(expectedLastMinute('BRENT.CMD/USD', THU), undefined);
  // A summer Friday served until 20:58 is complete, one cut at 19:00 is not; an empty Saturday is final after the settle time.
  assert.equal(settleDay({ symbol: 'EUR/USD', day: FRI, doc: day(FRI, FRI, at(FRI, 20, 58)), clientNow: at(SAT, 1), settleMs: SETTLE }).final, true);
  assert.equal(settleDay({ symbol: 'EUR/USD', day: FRI, doc: day(FRI, FRI, at(FRI, 19)), clientNow: at(SAT, 1), settleMs: SETTLE }).final, false);
  assert.equal(settleDay({ symbol: 'EUR/USD', day: SAT, doc: day(SAT), clientNow: at(SUN, 0, 31), settleMs: SETTLE }).final, true);
});
