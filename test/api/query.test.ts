// The query language on its own: every accepted time form, the path-form grammar and the errors that name
// what was wrong. (The served data is checked end to end in serve.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../src/errors.js';
import { parsePathForm } from '../../src/api/pathForm.js';
import { splitTopLevel } from '../../src/api/query.js';
import { formatMt4Time, formatTime, parseQueryTime } from '../../src/api/time.js';

test('times: seed form, ISO forms, dates and epoch ms name the same instant; bad ones are refused by name', () => {
  const t = Date.UTC(2025, 10, 22, 13, 59, 59);
  for (const text of ['2025.11.22,13:59:59', '2025-11-22+13:59:59', '2025-11-22 13:59:59', '2025-11-22T13:59:59Z', '2025-11-22T13:59:59', String(t)]) {
    assert.equal(parseQueryTime(text, 'after'), t, text);
  }
  assert.equal(parseQueryTime('2025.11.22,13:59', 'after'), t - 59_000);
  assert.equal(parseQueryTime('2025-11-22', 'after'), Date.UTC(2025, 10, 22));
  assert.equal(parseQueryTime('2025.11.22', 'after'), Date.UTC(2025, 10, 22));
  assert.equal(parseQueryTime('2025-11-22T13:59:59.5Z', 'after'), t + 500);
  const bad: [string, RegExp][] = [
    ['2025-02-29', /until: "2025-02-29" is not a calendar date/],
    ['2025-11-22T24:00:00Z', /not a calendar date/],
    ['2025-11-22T13:59:59+02:00', /has a UTC offset/],
    ['22/11/2025', /is not a time/],
    ['', /is not a time/],
  ];
  for (const [text, msg] of bad) assert.throws(() => parseQueryTime(text, 'until'), (e: unknown) => e instanceof ApiError && e.status === 400 && msg.test(e.message), text);
  for (const ms of [0, t, Date.UTC(2024, 1, 29, 23, 59, 59), Date.UTC(1999, 11, 31, 0, 0, 0)]) {
    assert.equal(formatTime(ms), new Date(ms).toISOString().slice(0, 19).replace('T', ' '));
  }
  assert.equal(formatMt4Time(t), '2025.11.22,13:59');
});

test('indicator lists split on commas outside parentheses', () => {
  assert.deepEqual(splitTopLevel('sma(20),macd(12,26,9),rsi', ','), ['sma(20)', 'macd(12,26,9)', 'rsi']);
  assert.deepEqual(splitTopLevel('', ','), ['']);
});

test('path form: selects with indicators and skiplast, times, output and options become one CandleQuery', () => {
  const r = parsePathForm('select/EUR-USD,1h[sma(20):macd_12_26_9]:skiplast/select/XAU-USD,4h/after/2026.01.05,00:00:00/until/2026-01-06/output/CSV/MT4', { limit: '10', order: 'desc', filename: 'x.csv' });
  assert.equal(r.kind, 'select');
  if (r.kind !== 'select') return;
  const q = r.query;
  assert.deepEqual(q.selections.map((s) => [s.symbol, s.timeframe, s.indicators.map((i) => i.key), s.skipLast]), [
    ['EUR-USD', '1h', ['sma_20', 'macd_12_26_9'], true],
    ['XAU-USD', '4h', [], false],
  ]);
  assert.deepEqual([q.after, q.until, q.limit, q.offset, q.order, q.format, q.mt4, q.filename], [Date.UTC(2026, 0, 5), Date.UTC(2026, 0, 6), 10, 0, 'desc', 'csv', true, 'x.csv']);
  const j = parsePathForm('select/EUR-USD,1m/output/JSONP', {});
  assert.ok(j.kind === 'select' && j.query.callback === 'callback' && j.query.format === 'json' && j.query.limit === 1440);
  const n = parsePathForm('select/EUR-USD,1m/output/JSON', { subformat: '4' });
  assert.ok(n.kind === 'select' && n.query.format === 'ndjson');
  const l = parsePathForm('list/symbols/output/CSV', {});
  assert.deepEqual(l, { kind: 'list', what: 'symbols', format: 'csv', callback: undefined });
  const bad: [string, Record<string, string>, RegExp][] = [
    ['select/EUR-USD,1h/output/JSON', { limit: '0' }, /limit: Too small/],
    ['select/EUR-USD,1h/output/JSON', { offset: '-1' }, /offset: Too small/],
    ['select/EUR-USD,1h/output/JSON/MT4', {}, /MT4 applies to CSV output only/],
    ['select/EUR-USD,1h/output/JSONP', { subformat: '4' }, /subformat 4 \(NDJSON\) cannot be wrapped in JSONP/],
    ['select/EUR-USD,1h/after/2026-01-02/after/2026-01-03/output/JSON', {}, /after given twice/],
    ['select/EUR-USD,1h/until', {}, /until: missing its value/],
    ['select/EUR-USD,1h[sma(20)/output/JSON', {}, /bad select/],
    ['select/EUR_USD,1h/output/JSON', {}, /bad symbol "EUR_USD"/],
    ['select/EUR-USD,1hour!/output/JSON', {}, /bad select|bad timeframe/],
    ['output/JSON', {}, /expected select\/… or list\/…/],
    ['list/things', {}, /expected list\/symbols or list\/indicators/],
    ['select/EUR-USD,1h/output/JSON', { callback: '1bad' }, /callback: /],
  ];
  for (const [path, params, msg] of bad) {
    assert.throws(() => parsePathForm(path, params), (e: unknown) => e instanceof ApiError && e.status === 400 && msg.test(e.message), path);
  }
});
