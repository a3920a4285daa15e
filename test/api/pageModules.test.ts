// The chart page's DOM-free modules, run in Node: the bar window the page keeps (prepend, tail
// replacement, indicator columns aligned by time, trimming), the URL state round trip, and the times the
// export panel and requests write. The browser test (page.test.ts) covers them again in Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
// @ts-expect-error plain browser ES modules, no type declarations
import { BarWindow } from '../../src/api/page/barWindow.js';
// @ts-expect-error
import { readState, writeState } from '../../src/api/page/state.js';
// @ts-expect-error
import { candlesUrl, isoTime } from '../../src/api/page/api.js';
// @ts-expect-error
import { nextBarTime } from '../../src/api/page/exportPanel.js';

const M = 60_000;
/** A chunk as api.js getCandles returns it: bars at the given minutes, close = minute, one indicator column. */
function chunk(minutes: number[], col?: [string, (m: number) => number | null]) {
  const cols = new Map<string, (number | null)[]>();
  if (col) cols.set(col[0], minutes.map(col[1]));
  return {
    time: minutes.map((m) => m * M), open: minutes, high: minutes, low: minutes, close: minutes,
    volume: minutes.map(() => 1), forming: minutes.map(() => false), cols,
  };
}
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

test('BarWindow: older bars go in front, a tail chunk replaces from its first time, columns stay aligned', () => {
  const w = new BarWindow();
  w.replaceFrom(chunk(range(100, 110), ['sma_3', (m) => m + 0.5]));
  assert.equal(w.prepend(chunk(range(95, 101), ['sma_3', (m) => m + 0.5])), 5, 'the overlapping bar 100 is not added twice');
  assert.deepEqual(w.close, range(95, 110));
  assert.deepEqual(w.cols.get('sma_3'), range(95, 110).map((m) => m + 0.5));
  // the still-open bar 109 changed and 110, 111 arrived; a new indicator column comes with them
  const at = w.replaceFrom(chunk([109, 110, 111], ['rsi_14', () => 50]));
  assert.equal(at, 14);
  assert.deepEqual(w.time.map((t: number) => t / M), range(95, 112));
  assert.deepEqual(w.cols.get('rsi_14'), [...Array(14).fill(null), 50, 50, 50]);
  assert.deepEqual(w.cols.get('sma_3'), [...range(95, 109).map((m) => m + 0.5), null, null, null]);
  // an indicator fetched later lands on the bars with the same times, whatever the chunk holds beyond them
  w.setColumns(chunk([90, 96, 97, 120], ['ema_2', (m) => -m]));
  assert.deepEqual(w.cols.get('ema_2'), [null, -96, -97, ...Array(14).fill(null)]);
  w.dropColumns(['ema_2']);
  assert.equal(w.cols.has('ema_2'), false);
  w.atStart = w.atEnd = true;
  w.dropNewest(7);
  assert.deepEqual([w.firstTime / M, w.lastTime / M, w.atStart, w.atEnd, w.cols.get('rsi_14').length], [95, 104, true, false, 10]);
  w.dropOldest(3);
  assert.deepEqual([w.firstTime / M, w.length, w.atStart, w.lowerBound(100 * M), w.lowerBound(99.5 * M)], [98, 7, false, 2, 2]);
});

test('URL state: what is written is read back; bad parts are dropped, not guessed', () => {
  const state = { symbol: 'EUR-USD', tf: '1h', from: Date.UTC(2026, 6, 20, 10), to: Date.UTC(2026, 6, 21, 8, 0, 30), indicators: [{ name: 'sma', params: [20] }, { name: 'macd', params: [12, 26, 9] }, { name: 'vwap', params: [] }], poll: 2 };
  const search = writeState(state);
  assert.equal(search, '?symbol=EUR-USD&tf=1h&from=2026-07-20T10:00Z&to=2026-07-21T08:00:30Z&ind=sma(20),macd(12,26,9),vwap&poll=2');
  const back = readState(search);
  assert.deepEqual([back.symbol, back.tf, back.from, back.to, back.poll], [state.symbol, state.tf, state.from, state.to, state.poll]);
  assert.deepEqual(back.indicators.map((i: { name: string; params: number[] }) => [i.name, i.params]), [['sma', [20]], ['macd', [12, 26, 9]], ['vwap', []]]);
  // a range needs both ends in order; epoch ms and zone-less ISO are read too
  assert.equal(readState('?from=2026-07-21T00:00Z&to=2026-07-20T00:00Z').from, undefined);
  assert.equal(readState('?from=2026-07-20T00:00').from, undefined);
  assert.deepEqual([readState('?from=1784505600000&to=2026-07-21T00:00').from, readState('?from=1784505600000&to=2026-07-21T00:00').to], [1784505600000, Date.UTC(2026, 6, 21)]);
  assert.equal(readState('?poll=0.1').poll, undefined);
});

test('request and export times: ISO on the store clock, next bar of each timeframe kind', () => {
  assert.equal(isoTime(Date.UTC(2026, 6, 20, 10)), '2026-07-20T10:00Z');
  assert.equal(isoTime(Date.UTC(2026, 6, 20, 10, 0, 5)), '2026-07-20T10:00:05Z');
  assert.equal(isoTime(Date.UTC(2026, 6, 20, 10, 0, 0, 1)), '2026-07-20T10:00:00.001Z');
  assert.equal(candlesUrl('EUR-USD', '1h', { after: Date.UTC(2026, 0, 5), limit: 10, order: 'desc', indicators: ['sma(20)', 'macd(12,26,9)'] }),
    'v1/candles/EUR-USD/1h?after=2026-01-05T00:00Z&limit=10&order=desc&indicators=sma(20),macd(12,26,9)');
  const t = Date.UTC(2026, 0, 31, 22);
  assert.equal(nextBarTime('15m', t), t + 15 * M);
  assert.equal(nextBarTime('4h', t), t + 4 * 60 * M);
  assert.equal(nextBarTime('1d', t), t + 1440 * M);
  assert.equal(nextBarTime('1W', t), t + 7 * 1440 * M);
  assert.equal(nextBarTime('1M', Date.UTC(2026, 0, 1)), Date.UTC(2026, 1, 1));
  assert.equal(nextBarTime('1M', Date.UTC(2026, 11, 1)), Date.UTC(2027, 0, 1));
  assert.equal(nextBarTime('1Y', Date.UTC(2026, 0, 1)), Date.UTC(2027, 0, 1));
});
