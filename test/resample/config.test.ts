// The resample and sessions config keys: defaults, the shipped MT4 overlay and examples, per-symbol timeframes,
// and every refusal (ConfigError, exit 2) naming the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { resolveSymbolPlan } from '../../src/timeframes/plan.js';

const PROJECT = new URL('../../', import.meta.url).pathname;

function root(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cs-resample-config-'));
  writeFileSync(join(dir, 'config.yaml'), yaml);
  return dir;
}

async function refused(yaml: string, ...want: (string | RegExp)[]): Promise<void> {
  await assert.rejects(loadConfig(root(yaml)), (err: unknown) => {
    assert.ok(err instanceof ConfigError, `ConfigError, got ${String(err)}`);
    assert.equal(err.exitCode, 2);
    for (const w of want) assert.match(err.message, typeof w === 'string' ? new RegExp(w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : w);
    return true;
  });
}

const names = (yaml: string, symbol = 'EUR/USD') => loadConfig(root(yaml)).then(({ config }) => resolveSymbolPlan(config, symbol).timeframes.map((tf) => `${tf.name}←${tf.source}`));

test('defaults: the DESIGN cascade in dependency order, no sessions', async () => {
  assert.deepEqual(await names(''), ['5m←1m', '15m←5m', '30m←15m', '1h←30m', '4h←1h', '1d←4h', '1W←1d', '1M←1d', '1Y←1M']);
  const { config } = await loadConfig(root(''));
  assert.equal(resolveSymbolPlan(config, 'EUR/USD').session, undefined);
});

test('the shipped MT4 overlay adds 8h←4h and builds 1d from 8h', async () => {
  const dir = root('');
  copyFileSync(join(PROJECT, 'config.yaml'), join(dir, 'config.yaml'));
  copyFileSync(join(PROJECT, 'config.dukascopy-mt4.yaml'), join(dir, 'config.user.yaml'));
  const { config } = await loadConfig(dir);
  const plan = resolveSymbolPlan(config, 'EUR/USD').timeframes.map((tf) => `${tf.name}←${tf.source}`);
  assert.ok(plan.includes('8h←4h') && plan.includes('1d←8h'), plan.join(' '));
  assert.ok(plan.indexOf('8h←4h') < plan.indexOf('1d←8h'));
});

test('the example session configs load and give their symbols a session', async () => {
  const dir = join(PROJECT, 'examples');
  const files = readdirSync(dir).filter((f) => f.startsWith('sessions-') && f.endsWith('.yaml'));
  assert.ok(files.length >= 2);
  for (const f of files) {
    const r = root('');
    copyFileSync(join(dir, f), join(r, 'config.yaml'));
    const { config } = await loadConfig(r);
    assert.ok(Object.keys(config.sessions).length > 0, f);
    for (const pattern of Object.keys(config.sessions)) {
      const symbol = pattern.replaceAll('*', 'X');
      if (config.sessions[pattern]) assert.ok(resolveSymbolPlan(config, symbol).session, `${f}: ${symbol} has a session`);
    }
  }
});

test('per-symbol timeframes: patterns apply less specific first, add or replace by name, skip', async () => {
  const yaml = `
resample:
  symbols:
    "*":
      skip_timeframes: [1Y]
    "EUR/*":
      timeframes: [{ name: 2h, rule: 2h, source: 1h }]
    "EUR/USD":
      timeframes: [{ name: 1Y, rule: 1Y, source: 1d }]
`;
  assert.deepEqual(await names(yaml, 'GBP/USD'), ['5m←1m', '15m←5m', '30m←15m', '1h←30m', '4h←1h', '1d←4h', '1W←1d', '1M←1d']);
  assert.deepEqual(await names(yaml, 'EUR/GBP'), ['5m←1m', '15m←5m', '30m←15m', '1h←30m', '4h←1h', '1d←4h', '1W←1d', '1M←1d', '2h←1h']);
  assert.deepEqual(await names(yaml, 'EUR/USD'), ['5m←1m', '15m←5m', '30m←15m', '1h←30m', '4h←1h', '1d←4h', '1W←1d', '1M←1d', '2h←1h', '1Y←1d']);
});

test('sessions: the most specific pattern wins, null switches a session off', async () => {
  const yaml = `
sessions:
  "*": { timezone: America/New_York, ranges: [{ from: "17:00", to: "17:00", weekdays: [1, 2, 3, 4, 5] }] }
  "*.IDX/*": { timezone: Asia/Tokyo, ranges: [{ from: "09:00", to: "11:30" }, { from: "12:30", to: "15:00" }] }
  "XAU/USD": null
`;
  const { config } = await loadConfig(root(yaml));
  assert.equal(resolveSymbolPlan(config, 'EUR/USD').session?.zone, 'America/New_York');
  assert.equal(resolveSymbolPlan(config, 'JPN225.IDX/JPY').session?.zone, 'Asia/Tokyo');
  assert.equal(resolveSymbolPlan(config, 'XAU/USD').session, undefined);
});

test('refused: a rule that does not divide its source (7m←5m)', () =>
  refused('resample:\n  timeframes:\n    - { name: 5m, rule: 5m, source: 1m }\n    - { name: 7m, rule: 7m, source: 5m }\n', 'resample.timeframes.1.rule', '7m', '5m'));

test('refused: a month built from weeks', () =>
  refused('resample:\n  timeframes:\n    - { name: 1d, rule: 1d, source: 1m }\n    - { name: 1W, rule: 1W, source: 1d }\n    - { name: 1M, rule: 1M, source: 1W }\n', 'resample.timeframes.2.rule', 'straddle'));

test('refused: an unknown source', () =>
  refused('resample:\n  timeframes:\n    - { name: 5m, rule: 5m, source: 3m }\n', 'resample.timeframes.0.source', 'unknown timeframe 3m'));

test('refused: a cycle', () =>
  refused('resample:\n  timeframes:\n    - { name: a, rule: 10m, source: b }\n    - { name: b, rule: 10m, source: a }\n', 'resample.timeframes.', 'cycle', 'a ← b ← a'));

test('refused: a bad time zone', () =>
  refused('sessions:\n  "*": { timezone: Mars/Olympus_Mons, ranges: [{ from: "09:00", to: "17:00" }] }\n', 'sessions.*.timezone', 'IANA'));

test('refused: a bad HH:MM', () =>
  refused('sessions:\n  "EUR/USD": { timezone: UTC, ranges: [{ from: "9:00", to: "17:00" }] }\n', 'sessions.EUR/USD.ranges.0.from', 'HH:MM'));

test('refused: 24:00 as a start, a weekday 8, overlapping ranges', async () => {
  await refused('sessions:\n  "*": { timezone: UTC, ranges: [{ from: "24:00", to: "10:00" }] }\n', 'sessions.*.ranges.0.from');
  await refused('sessions:\n  "*": { timezone: UTC, ranges: [{ from: "09:00", to: "10:00", weekdays: [8] }] }\n', 'sessions.*.ranges.0.weekdays.0');
  await refused('sessions:\n  "*": { timezone: UTC, ranges: [{ from: "09:00", to: "12:00" }, { from: "11:00", to: "15:00" }] }\n', 'sessions.*.ranges.', 'overlaps');
  await refused('sessions:\n  "*": { timezone: UTC, ranges: [{ from: "22:00", to: "06:00" }, { from: "05:00", to: "08:00" }] }\n', 'overlaps');
});

test('refused: label or closed right, another origin', async () => {
  await refused('resample:\n  timeframes:\n    - { name: 5m, rule: 5m, source: 1m, label: right }\n', 'resample.timeframes.0.label', "only 'left'");
  await refused('resample:\n  timeframes:\n    - { name: 5m, rule: 5m, source: 1m, closed: right }\n', 'resample.timeframes.0.closed', "only 'left'");
  await refused('resample:\n  timeframes:\n    - { name: 5m, rule: 5m, source: 1m, origin: epoch }\n', 'resample.timeframes.0.origin', "only 'session'");
});

test('refused: bad rules and names', async () => {
  await refused('resample:\n  timeframes:\n    - { name: 5m, rule: 5x, source: 1m }\n', 'resample.timeframes.0.rule', 'Nm');
  await refused('resample:\n  timeframes:\n    - { name: 2d, rule: 48h, source: 1m }\n', 'resample.timeframes.0.rule');
  await refused('resample:\n  timeframes:\n    - { name: 1m, rule: 1m, source: 1m }\n', 'resample.timeframes.0.name', 'aggregate');
  await refused('resample:\n  timeframes:\n    - { name: 5m, rule: 5m, source: 1m }\n    - { name: 5m, rule: 10m, source: 1m }\n', 'resample.timeframes.1.name', 'already defined');
});

test('refused: skipping a timeframe another one is built from', async () => {
  await refused('resample:\n  symbols:\n    "EUR/USD": { skip_timeframes: [1d] }\n', 'resample.symbols.EUR/USD.skip_timeframes', 'skipping 1d leaves 1W');
  await refused('resample:\n  symbols:\n    "EUR/USD": { skip_timeframes: [2W] }\n', 'resample.symbols.EUR/USD.skip_timeframes', 'unknown timeframe 2W');
  await refused('resample:\n  symbols:\n    "EUR/*": { timeframes: [{ name: 7m, rule: 7m, source: 5m }] }\n', 'resample.symbols.EUR/*.timeframes.0.rule');
});
