// Config and symbol loading on real files in a temp root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { loadSymbols, parseSymbolList, symbolProblem } from '../../src/config/symbols.js';
import { resolveSymbolSettings } from '../../src/config/symbolSettings.js';
import { ConfigError } from '../../src/errors.js';

const PROJECT = new URL('../../', import.meta.url).pathname;

function root(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cs-config-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function configError(files: Record<string, string>): Promise<ConfigError> {
  try {
    await loadConfig(root(files));
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
    assert.equal(err.exitCode, 2);
    return err;
  }
  assert.fail('config was accepted');
}

test('the shipped config.yaml and the MT4 overlay load and merge', async () => {
  const dir = root({});
  copyFileSync(join(PROJECT, 'config.yaml'), join(dir, 'config.yaml'));
  copyFileSync(join(PROJECT, 'config.dukascopy-mt4.yaml'), join(dir, 'config.user.yaml'));
  const { config, files } = await loadConfig(dir);
  assert.equal(files.length, 2);
  assert.equal(config.download.base_url, 'https://jetta.dukascopy.com');
  const s = resolveSymbolSettings(config.transform.symbols, 'EUR/USD');
  assert.deepEqual(s.shift, { kind: 'zone', fixedMs: 0, zone: 'America/New_York', dstMs: 10800000, stdMs: 7200000 });
});

test('an empty root gives the defaults', async () => {
  const { config } = await loadConfig(root({}));
  assert.equal(config.download.max_retries, 5);
  assert.equal(config.aggregate.csv, false);
});

test('includes are merged over the including file, user config over both', async () => {
  const { config, files } = await loadConfig(
    root({
      'config.yaml': 'includes: ["conf.d/*.yaml"]\ndownload:\n  concurrency: 2\n  max_retries: 1\n',
      'conf.d/a.yaml': 'download:\n  max_retries: 7\n',
      'conf.d/b.yaml': 'download:\n  timeout_ms: 1234\n',
      'config.user.yaml': 'download:\n  concurrency: 9\n',
    }),
  );
  assert.equal(files.length, 4);
  assert.deepEqual([config.download.concurrency, config.download.max_retries, config.download.timeout_ms], [9, 7, 1234]);
});

const badConfigs: [string, Record<string, string>, RegExp][] = [
  ['unknown key', { 'config.yaml': 'download:\n  rate_limt_rps: 3\n' }, /config\.yaml: download\.rate_limt_rps: unknown key/],
  ['wrong type', { 'config.yaml': 'download:\n  concurrency: many\n' }, /config\.yaml: download\.concurrency: .*number/],
  ['negative rate', { 'config.yaml': 'download:\n  rate_limit_rps: -1\n' }, /download\.rate_limit_rps/],
  ['bad url', { 'config.yaml': 'download:\n  base_url: ftp://x\n' }, /download\.base_url/],
  ['bad date', { 'config.yaml': 'download:\n  start_date: 2026-13-01\n' }, /download\.start_date: expected a date/],
  ['bad zone', { 'config.yaml': 'transform:\n  symbols:\n    "*":\n      time_shift_rule: {zone: Mars/Base, dst_ms: 0, std_ms: 0}\n' }, /time_shift_rule\.zone: expected an IANA/],
  ['both shifts', { 'config.yaml': 'transform:\n  symbols:\n    "*":\n      time_shift_ms: 0\n      time_shift_rule: {zone: UTC, dst_ms: 0, std_ms: 0}\n' }, /either time_shift_ms or time_shift_rule/],
  ['bad pattern', { 'config.yaml': 'transform:\n  symbols:\n    "../x":\n      time_shift_ms: 0\n' }, /transform\.symbols/],
  ['YAML syntax', { 'config.yaml': 'download:\n  concurrency: [1,\n' }, /config\.yaml: invalid YAML: .*at line \d+, column \d+/],
  ['top level list', { 'config.yaml': '- a\n- b\n' }, /top level must be a mapping/],
  ['bad key in an include names the include', { 'config.yaml': 'includes: ["x.yaml"]\n', 'x.yaml': 'aggregate:\n  csv: maybe\n' }, /x\.yaml: aggregate\.csv/],
  ['include escaping the root', { 'config.yaml': 'includes: ["../*.yaml"]\n' }, /inside the root/],
  ['bad user config names config.user.yaml', { 'config.user.yaml': 'workers: -3\n' }, /config\.user\.yaml: workers/],
];
for (const [what, files, message] of badConfigs) {
  test(`bad config is refused with file and key path: ${what}`, async () => {
    const err = await configError(files);
    assert.match(err.message, message);
  });
}

test('symbol names: real names pass, path tricks and implausible names are refused', () => {
  for (const ok of ['EUR/USD', 'AUS.IDX/AUD', 'USA500.IDX/USD', 'BRENT.CMD/USD', 'BTC/USD']) assert.equal(symbolProblem(ok), undefined, ok);
  for (const bad of ['../etc/passwd', 'EUR/../USD', '/EUR/USD', 'EUR\\USD', 'EURUSD', 'EUR/USD/X', '.IDX/USD', 'EUR/USD\0', 'eur/usd', 'A'.repeat(20) + '/' + 'B'.repeat(20), '']) {
    assert.notEqual(symbolProblem(bad), undefined, bad);
  }
  assert.match(symbolProblem('eur/usd')!, /upper case/);
});

test('symbols.txt: comments and blanks skipped, bad lines name file:line, user list wins', async () => {
  assert.deepEqual(parseSymbolList('# fx\nEUR/USD  # major\n\nXAU/USD\n', 's.txt'), ['EUR/USD', 'XAU/USD']);
  assert.throws(() => parseSymbolList('EUR/USD\n../../x\n', 's.txt'), /s\.txt:2: bad symbol name/);
  assert.throws(() => parseSymbolList('EUR/USD\nEUR/USD\n', 's.txt'), /duplicate/);
  const dir = root({ 'symbols.txt': 'EUR/USD\n', 'symbols.user.txt': 'GBP/USD\n' });
  assert.deepEqual((await loadSymbols(dir)).symbols, ['GBP/USD']);
  const shipped = parseSymbolList((await import('node:fs')).readFileSync(join(PROJECT, 'symbols.txt'), 'utf8'), 'symbols.txt');
  assert.ok(shipped.length >= 10);
});

test('per-symbol settings: * then patterns then exact names, field by field', () => {
  const table = {
    '*.IDX/*': { round_decimals: 1, time_shift_ms: 3600000 },
    '*': { time_shift_ms: 7200000, round_decimals: 4 },
    'AUS.IDX/AUD': { time_shift_ms: 0 },
  };
  // Each value comes with the key that set it (messages about changed settings name it).
  assert.deepEqual(resolveSymbolSettings(table, 'EUR/USD'), {
    shift: { kind: 'fixed', fixedMs: 7200000 }, roundDecimals: 4,
    shiftKey: 'transform.symbols."*".time_shift_ms', roundDecimalsKey: 'transform.symbols."*".round_decimals',
  });
  // the bare * is the least specific even when written after a pattern with more wildcards
  assert.deepEqual(resolveSymbolSettings(table, 'DEU.IDX/EUR'), {
    shift: { kind: 'fixed', fixedMs: 3600000 }, roundDecimals: 1,
    shiftKey: 'transform.symbols."*.IDX/*".time_shift_ms', roundDecimalsKey: 'transform.symbols."*.IDX/*".round_decimals',
  });
  assert.deepEqual(resolveSymbolSettings(table, 'AUS.IDX/AUD'), {
    shift: { kind: 'fixed', fixedMs: 0 }, roundDecimals: 1,
    shiftKey: 'transform.symbols."AUS.IDX/AUD".time_shift_ms', roundDecimalsKey: 'transform.symbols."*.IDX/*".round_decimals',
  });
  assert.deepEqual(resolveSymbolSettings({}, 'EUR/USD'), { shift: { kind: 'fixed', fixedMs: 0 }, roundDecimals: undefined, shiftKey: undefined, roundDecimalsKey: undefined });
});
