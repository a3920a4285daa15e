// Every resampled timeframe against the naive reference (helpers.ts) computed straight from the 1m rows:
// UTC, MT4 server time across both DST switches, an index with a lunch break, a DST-observing exchange, and
// an FX session wrapping midnight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema, type Config } from '../../src/config/schema.js';
import { Layout } from '../../src/paths.js';
import { resolveSymbolPlan } from '../../src/timeframes/plan.js';
import { resampleSymbol } from '../../src/resample/resample.js';
import { DEFAULT_CASCADE } from '../../src/timeframes/rules.js';
import { verifyTimeframes } from '../../src/resample/verify.js';
import type { Candle } from '../../src/store/format.js';
import { HOUR, fxMinutes, mt4Shift, naiveResample, readBars, shifted, tempRoot, tzOffset, writeAggregate, type NaiveSetup, type NaiveTf } from './helpers.js';

const SYMBOL = 'EUR/USD';
const MT4_TRANSFORM = { symbols: { '*': { time_shift_rule: { zone: 'America/New_York', dst_ms: 3 * HOUR, std_ms: 2 * HOUR } } } };
const MT4_CASCADE: NaiveTf[] = [
  ...DEFAULT_CASCADE.filter((tf) => tf.name !== '1d'),
  { name: '8h', rule: '8h', source: '4h' },
  { name: '1d', rule: '1d', source: '8h' },
];

function iso(ts: number): string {
  return new Date(ts).toISOString();
}

/** Compare every bar field but src (verify checks src/count against the source file). */
function assertSameBars(tf: string, got: Candle[], want: Candle[]): void {
  const n = Math.min(got.length, want.length);
  for (let i = 0; i < n; i++) {
    const g = got[i];
    const w = want[i];
    const fields = ['ts', 'open', 'high', 'low', 'close', 'volume', 'count', 'origin', 'flags'] as const;
    for (const f of fields) {
      if (g[f] !== w[f]) {
        assert.fail(`${tf} bar ${i} (want ts ${iso(w.ts)}, got ${iso(g.ts)}): ${f} is ${g[f]}, want ${w[f]}\n got  ${JSON.stringify(g)}\n want ${JSON.stringify(w)}`);
      }
    }
  }
  assert.equal(got.length, want.length, `${tf}: ${got.length} bars, want ${want.length} (last got ${got.length ? iso(got[got.length - 1].ts) : '-'}, want ${want.length ? iso(want[want.length - 1].ts) : '-'})`);
}

async function check(t: { after(fn: () => Promise<void>): void }, rows: Candle[], raw: Record<string, unknown>, setup: NaiveSetup): Promise<Map<string, Candle[]>> {
  const layout = new Layout(await tempRoot(t));
  await writeAggregate(layout, SYMBOL, rows);
  const config: Config = configSchema.parse(raw);
  const plan = resolveSymbolPlan(config, SYMBOL);
  await resampleSymbol(layout, plan);
  const want = naiveResample(setup, rows);
  const got = new Map<string, Candle[]>();
  for (const tf of setup.timeframes) {
    const bars = await readBars(layout, tf.name, SYMBOL);
    got.set(tf.name, bars);
    assertSameBars(tf.name, bars, want.get(tf.name)!);
    assert.ok(bars.length > 0, `${tf.name} has bars`);
  }
  const report = await verifyTimeframes(layout, [SYMBOL], config);
  assert.deepEqual(report.damage, [], 'verify finds no damage');
  return got;
}

test('UTC store, no session: the default cascade matches the naive computation; weeks start Monday, months on the 1st', async (t) => {
  const rows = fxMinutes('2025-12-01', '2026-02-03');
  const got = await check(t, rows, {}, { shift: () => 0, shiftCandidates: [0], timeframes: [...DEFAULT_CASCADE] });
  for (const bar of got.get('1W')!) assert.equal(new Date(bar.ts).getUTCDay(), 1, `week bar ${iso(bar.ts)} starts on a Monday`);
  for (const bar of got.get('1M')!) assert.equal(new Date(bar.ts).getUTCDate(), 1, `month bar ${iso(bar.ts)} starts on the 1st`);
  assert.deepEqual(got.get('1Y')!.map((b) => iso(b.ts)), ['2025-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z']);
  for (const [tf, bars] of got) {
    bars.forEach((b, i) => assert.equal(b.flags, i === bars.length - 1 ? 1 : 0, `${tf}: only the last bar is open`));
  }
});

test('MT4 server time (GMT+2/+3 by the New York DST rule) across both DST switches, with 8h←4h and 1d←8h', async (t) => {
  const rows = shifted([...fxMinutes('2026-02-23', '2026-03-23', 11), ...fxMinutes('2026-10-19', '2026-11-16', 12)], mt4Shift);
  const got = await check(t, rows, { transform: MT4_TRANSFORM, resample: { timeframes: MT4_CASCADE } }, { shift: mt4Shift, shiftCandidates: [2 * HOUR, 3 * HOUR], timeframes: MT4_CASCADE });
  // Store-time days: the FX week opens Monday 00:00 (or later), never on a Sunday bar.
  for (const bar of got.get('1d')!) assert.notEqual(new Date(bar.ts).getUTCDay(), 0, `no Sunday bar ${iso(bar.ts)}`);
});

test('index with a lunch break (Asia/Tokyo 09:00–11:30, 12:30–15:00) on an MT4 store: bars align to each range start and stop at its end', async (t) => {
  const session = { zone: 'Asia/Tokyo', ranges: [{ from: '09:00', to: '11:30', weekdays: [1, 2, 3, 4, 5] }, { from: '12:30', to: '15:00', weekdays: [1, 2, 3, 4, 5] }] };
  const rows = shifted([...fxMinutes('2026-03-02', '2026-03-23', 21), ...fxMinutes('2026-10-26', '2026-11-09', 22)], mt4Shift);
  const cascade: NaiveTf[] = [...DEFAULT_CASCADE, { name: '45m', rule: '45m', source: '15m' }];
  const got = await check(t, rows, {
    transform: MT4_TRANSFORM,
    resample: { timeframes: cascade },
    sessions: { 'EUR/USD': { timezone: 'Asia/Tokyo', ranges: session.ranges } },
  }, { shift: mt4Shift, shiftCandidates: [2 * HOUR, 3 * HOUR], session, timeframes: cascade });
  const origins = new Set(got.get('1h')!.map((b) => b.origin));
  assert.deepEqual([...origins].sort(), [540, 750], '1h bars carry the origin of their range (09:00 or 12:30)');
  assert.ok(got.get('4h')!.every((b) => b.count <= 4));
  assert.ok(got.get('1d')!.every((b) => b.origin === 540), '1d origin = first range start');
});

test('DST-observing exchange (America/New_York 09:30–16:00) on a UTC store across both switches', async (t) => {
  const session = { zone: 'America/New_York', ranges: [{ from: '09:30', to: '16:00', weekdays: [1, 2, 3, 4, 5] }] };
  const rows = [...fxMinutes('2026-02-23', '2026-03-23', 31), ...fxMinutes('2026-10-19', '2026-11-16', 32)];
  const got = await check(t, rows, { sessions: { '*': session && { timezone: session.zone, ranges: session.ranges } } }, { shift: () => 0, shiftCandidates: [0], session, timeframes: [...DEFAULT_CASCADE] });
  const firstHours = new Set(got.get('1h')!.filter((b) => b.origin === 570).map((b) => new Date(b.ts).toISOString().slice(11, 16)));
  assert.ok(firstHours.has('14:30') && firstHours.has('13:30'), 'the session opens at 14:30 UTC in winter and 13:30 UTC in summer');
  const days = got.get('1d')!;
  assert.ok(days.some((b) => iso(b.ts).endsWith('05:00:00.000Z')) && days.some((b) => iso(b.ts).endsWith('04:00:00.000Z')), '1d ts = New York midnight in UTC');
});

test('FX session wrapping midnight (17:00–17:00 New York, Mon–Fri) on a UTC store: Sunday 17:00 opens Monday\'s bar', async (t) => {
  const session = { zone: 'America/New_York', ranges: [{ from: '17:00', to: '17:00', weekdays: [1, 2, 3, 4, 5] }] };
  const rows = fxMinutes('2026-02-23', '2026-03-23', 41);
  const got = await check(t, rows, { sessions: { 'EUR/*': { timezone: session.zone, ranges: session.ranges } } }, { shift: () => 0, shiftCandidates: [0], session, timeframes: [...DEFAULT_CASCADE] });
  for (const b of got.get('1d')!) {
    const local = b.ts + tzOffset('America/New_York', b.ts);
    assert.equal(new Date(local).toISOString().slice(11, 16), '00:00', `1d ts ${iso(b.ts)} is New York midnight`);
    assert.notEqual(new Date(local).getUTCDay(), 0, `no Sunday session date (${iso(b.ts)})`);
  }
  assert.ok(got.get('4h')!.every((b) => b.origin === 1020));
});
