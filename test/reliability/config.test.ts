// Config and names: a table of invalid config values — every key of src/config/schema.ts with at least one
// bad value, unknown keys at each level, bad YAML, bad includes — and of invalid symbol names (path tricks,
// lower case, too long, empty, NUL, spaces, unicode look-alikes) in symbols.txt and `--symbols`. Each must
// give exit 2, a message naming the file (and line) or `--symbols` and the key or name, no ABORT line, and
// nothing written under data/ or cache/.
// Every case runs in-process through the functions the CLI uses (buildContext, then describeFailure for the
// exit code and message: milliseconds each), and a fixed sample of them — every YAML, file and include case,
// and every fifth of the others — also through the real CLI in a child (0.6 s of start-up each); with
// CANDLESTORE_SOAK=1 every case goes through the CLI.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { describeFailure } from '../../src/errors.js';
import { buildContext } from '../../src/pipeline/context.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { SOAK, pool, removeTree, secs } from '../helpers/reliability.js';

// Never reached: every case must stop before any request. Port 9 (discard) fails fast if one slipped through.
const GUARD_URL = 'http://127.0.0.1:9';
const RUN = ['--from', '2026-01-05', '--to', '2026-01-05', '--now', '2026-01-06T00:00:00Z', '-q'];
const roots: string[] = [];
after(() => roots.forEach(removeTree));
let configsRefused = 0;
let namesRefused = 0;

function makeTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'cs-cfg-'));
  roots.push(root);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

/** Refused the way a config or name error must be: exit 2, every `mentions` in the message, nothing written. */
function assertRefused(r: CliResult, root: string, mentions: string[], what: string): void {
  assert.equal(r.code, 2, `${what}: exit ${r.code}\n${r.stderr}${r.stdout}`);
  for (const m of mentions) assert.ok(r.stderr.includes(m), `${what}: the message does not name ${JSON.stringify(m)}:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /ABORT!/, what);
  assert.ok(!existsSync(join(root, 'data')) && !existsSync(join(root, 'cache')), `${what}: files written before refusing: ${readdirSync(root)}`);
}

/** What the CLI would print and exit with, without a child: the same context building and failure mapping. */
async function inProcess(root: string, symbols?: string): Promise<CliResult> {
  try {
    await buildContext({ root, symbols, quiet: true });
    return { code: 0, signal: null, stdout: '', stderr: '' };
  } catch (err) {
    const { line, exitCode } = describeFailure(err, 'Config');
    return { code: exitCode, signal: null, stdout: '', stderr: `${line}\n` };
  }
}

/** Check one case in-process, and through the CLI when `viaCli`; failures are collected, not thrown. */
async function check(root: string, args: string[], mentions: string[], what: string, viaCli: boolean, failures: string[]): Promise<void> {
  const symbols = args[0] === '--symbols' ? args[1] : undefined;
  const results: [string, () => Promise<CliResult>][] = [['in-process', () => inProcess(root, symbols)]];
  if (viaCli) results.push(['CLI', () => runCli(['run', '--root', root, ...RUN, ...args], { timeoutMs: 30_000 })]);
  for (const [how, get] of results) {
    try {
      assertRefused(await get(), root, mentions, `${what} (${how})`);
    } catch (err) {
      failures.push((err as Error).message);
    }
  }
}

// ---- config cases: [what, files, mentions] ----

type Doc = Record<string, unknown>;
const yamlOf = (doc: Doc) => {
  const d = { ...doc, download: { base_url: GUARD_URL, ...(doc.download as Doc | undefined) } };
  return stringify(d);
};
/** A config.yaml holding `doc` (with the guard base_url), expected to be refused naming `mentions`. */
type ConfigCase = [what: string, files: Record<string, string>, mentions: string[], valueCase?: boolean];
const cfg = (what: string, doc: Doc, ...mentions: string[]): ConfigCase => [what, { 'config.yaml': yamlOf(doc) }, ['config.yaml', ...mentions], true];
const dl = (key: string, value: unknown) => cfg(`download.${key}: ${JSON.stringify(value)}`, { download: { [key]: value } }, `download.${key}`);
const sym = (settings: Doc, key: string) => cfg(`transform.symbols.EUR/USD ${JSON.stringify(settings)}`, { transform: { symbols: { 'EUR/USD': settings } } }, `transform.symbols.EUR/USD${key}`);
const tf = (def: Doc, key: string) =>
  cfg(`resample.timeframes[0] ${JSON.stringify(def)}`, { resample: { timeframes: [{ name: '5m', rule: '5m', source: '1m', ...def }] } }, `resample.timeframes.0${key}`);
const range = (r: Doc, key: string) =>
  cfg(`sessions.EUR/USD.ranges[0] ${JSON.stringify(r)}`, { sessions: { 'EUR/USD': { timezone: 'Europe/London', ranges: [{ from: '08:00', to: '16:30', ...r }] } } }, `sessions.EUR/USD.ranges.0${key}`);

const CONFIG_CASES: ConfigCase[] = [
  // download.*
  dl('base_url', 'ftp://example.com/'),
  dl('base_url', 'not a url'),
  dl('base_url', 42),
  dl('start_date', '2026-13-01'),
  dl('start_date', '2026-02-30'),
  dl('start_date', 'yesterday'),
  dl('start_date', 20260101),
  dl('rate_limit_rps', 0),
  dl('rate_limit_rps', -3),
  dl('rate_limit_rps', 'fast'),
  dl('rate_limit_rps', 5000),
  dl('concurrency', 0),
  dl('concurrency', 2.5),
  dl('concurrency', 65),
  dl('timeout_ms', 99),
  dl('timeout_ms', 600_001),
  dl('timeout_ms', '30s'),
  dl('max_retries', -1),
  dl('max_retries', 21),
  dl('max_retries', 'lots'),
  dl('backoff_ms', -1),
  dl('backoff_ms', 60_001),
  dl('backoff_max_ms', 600_001),
  dl('backoff_max_ms', null),
  // transform.symbols.<pattern>.*
  cfg('transform.symbols: a list', { transform: { symbols: ['EUR/USD'] } }, 'transform.symbols'),
  cfg('transform.symbols pattern in lower case', { transform: { symbols: { 'eur/usd': { time_shift_ms: 0 } } } }, 'transform.symbols'),
  cfg('transform.symbols pattern with three parts', { transform: { symbols: { 'EUR/USD/X': { time_shift_ms: 0 } } } }, 'transform.symbols'),
  sym({ time_shift_ms: 1.5 }, '.time_shift_ms'),
  sym({ time_shift_ms: 1234 }, '.time_shift_ms: expected whole minutes'),
  sym({ time_shift_rule: { zone: 'America/New_York', dst_ms: 10_800_000, std_ms: 7_230_000 } }, '.time_shift_rule.std_ms: expected whole minutes'),
  sym({ time_shift_ms: 14 * 3_600_000 + 1 }, '.time_shift_ms'),
  sym({ time_shift_ms: 'GMT+2' }, '.time_shift_ms'),
  sym({ time_shift_rule: { zone: 'Mars/Olympus_Mons', dst_ms: 0, std_ms: 0 } }, '.time_shift_rule.zone'),
  sym({ time_shift_rule: { zone: 'America/New_York', dst_ms: 'x', std_ms: 0 } }, '.time_shift_rule.dst_ms'),
  sym({ time_shift_rule: { zone: 'America/New_York', dst_ms: 0 } }, '.time_shift_rule.std_ms'),
  sym({ time_shift_ms: 0, time_shift_rule: { zone: 'America/New_York', dst_ms: 0, std_ms: 0 } }, ''),
  sym({ round_decimals: -1 }, '.round_decimals'),
  sym({ round_decimals: 13 }, '.round_decimals'),
  sym({ round_decimals: 2.5 }, '.round_decimals'),
  // aggregate.*
  cfg('aggregate.csv: "yes"', { aggregate: { csv: 'yes' } }, 'aggregate.csv'),
  cfg('aggregate.csv: 1', { aggregate: { csv: 1 } }, 'aggregate.csv'),
  // resample.*
  cfg('resample.timeframes: a mapping', { resample: { timeframes: { '5m': '5m' } } }, 'resample.timeframes'),
  tf({ name: '' }, '.name'),
  tf({ name: 'five minutes' }, '.name'),
  tf({ name: '../x' }, '.name'),
  tf({ rule: 'banana' }, '.rule'),
  tf({ rule: '25h' }, '.rule'),
  tf({ source: 'x9' }, '.source'),
  tf({ source: '5m' }, '.source'),
  tf({ origin: 'epoch' }, '.origin'),
  tf({ label: 'right' }, '.label'),
  tf({ closed: 'right' }, '.closed'),
  cfg('resample.timeframes: a cycle', { resample: { timeframes: [{ name: 'a5', rule: '5m', source: 'b10' }, { name: 'b10', rule: '10m', source: 'a5' }] } }, 'resample.timeframes'),
  cfg('resample.timeframes: a rule that does not nest', { resample: { timeframes: [{ name: '5m', rule: '5m', source: '1m' }, { name: '7m', rule: '7m', source: '5m' }] } }, 'resample.timeframes.1.rule'),
  cfg('resample.symbols.EUR/USD.skip_timeframes: [5]', { resample: { symbols: { 'EUR/USD': { skip_timeframes: [5] } } } }, 'resample.symbols.EUR/USD.skip_timeframes'),
  cfg('resample.symbols.EUR/USD.skip_timeframes: unknown', { resample: { symbols: { 'EUR/USD': { skip_timeframes: ['3m'] } } } }, 'resample.symbols.EUR/USD.skip_timeframes'),
  cfg('resample.symbols.EUR/USD.timeframes: a string', { resample: { symbols: { 'EUR/USD': { timeframes: '5m' } } } }, 'resample.symbols.EUR/USD.timeframes'),
  // sessions.*
  cfg('sessions.EUR/USD.timezone unknown', { sessions: { 'EUR/USD': { timezone: 'Nowhere/City', ranges: [{ from: '08:00', to: '16:00' }] } } }, 'sessions.EUR/USD.timezone'),
  cfg('sessions.EUR/USD.ranges: []', { sessions: { 'EUR/USD': { timezone: 'Europe/London', ranges: [] } } }, 'sessions.EUR/USD.ranges'),
  cfg('sessions: a list', { sessions: ['EUR/USD'] }, 'sessions'),
  range({ from: '25:00' }, '.from'),
  range({ from: '8:00' }, '.from'),
  range({ to: '24:01' }, '.to'),
  range({ from: '00:00', to: '00:00' }, '.to'),
  range({ weekdays: [0] }, '.weekdays'),
  range({ weekdays: [8] }, '.weekdays'),
  range({ weekdays: [] }, '.weekdays'),
  range({ from_date: '2026-02-31' }, '.from_date'),
  range({ to_date: 'soon' }, '.to_date'),
  range({ from_date: '2026-05-01', to_date: '2026-04-01' }, '.to_date'),
  cfg('sessions: overlapping ranges', { sessions: { 'EUR/USD': { timezone: 'Europe/London', ranges: [{ from: '08:00', to: '12:00' }, { from: '11:00', to: '16:00' }] } } }, 'sessions.EUR/USD.ranges'),
  // workers, includes
  cfg('workers: -1', { workers: -1 }, 'workers'),
  cfg('workers: 257', { workers: 257 }, 'workers'),
  cfg('workers: "many"', { workers: 'many' }, 'workers'),
  cfg('includes: a string', { includes: 'conf.d/*.yaml' }, 'includes'),
  cfg('includes: [""]', { includes: [''] }, 'includes'),
  cfg('includes: an absolute path', { includes: ['/etc/*.yaml'] }, 'includes', '/etc/*.yaml'),
  cfg('includes: out of the root', { includes: ['../*.yaml'] }, 'includes', '../*.yaml'),
  // unknown keys at every level
  cfg('unknown top-level key (typo)', { dowload: {} }, 'dowload: unknown key'),
  cfg('unknown key in download', { download: { retries: 3 } }, 'download.retries: unknown key'),
  cfg('unknown key in transform', { transform: { shift: 1 } }, 'transform.shift: unknown key'),
  sym({ shift_ms: 0 }, '.shift_ms: unknown key'),
  sym({ time_shift_rule: { zone: 'UTC', dst_ms: 0, std_ms: 0, dst: true } }, '.time_shift_rule.dst: unknown key'),
  cfg('unknown key in aggregate', { aggregate: { parquet: true } }, 'aggregate.parquet: unknown key'),
  cfg('unknown key in resample', { resample: { frames: [] } }, 'resample.frames: unknown key'),
  tf({ offset: 5 }, '.offset: unknown key'),
  cfg('unknown key in resample.symbols.X', { resample: { symbols: { 'EUR/USD': { skip: ['5m'] } } } }, 'resample.symbols.EUR/USD.skip: unknown key'),
  cfg('unknown key in a session', { sessions: { 'EUR/USD': { timezone: 'UTC', ranges: [{ from: '08:00', to: '16:00' }], holidays: [] } } }, 'sessions.EUR/USD.holidays: unknown key'),
  range({ days: [1] }, '.days: unknown key'),
  // YAML itself
  ['YAML syntax error', { 'config.yaml': `download:\n  base_url: ${GUARD_URL}\n  max_retries: [3\n` }, ['config.yaml', 'invalid YAML']],
  ['YAML tab indentation', { 'config.yaml': `download:\n\tbase_url: ${GUARD_URL}\n` }, ['config.yaml', 'invalid YAML']],
  ['YAML duplicate key', { 'config.yaml': `download:\n  base_url: ${GUARD_URL}\n  max_retries: 1\n  max_retries: 2\n` }, ['config.yaml', 'invalid YAML']],
  ['YAML top level is a list', { 'config.yaml': '- download\n- transform\n' }, ['config.yaml', 'mapping']],
  ['YAML top level is a scalar', { 'config.yaml': 'hello\n' }, ['config.yaml', 'mapping']],
  ['YAML alias bomb', { 'config.yaml': aliasBomb() }, ['config.yaml']],
  ['config.yaml is a directory', { 'config.yaml/x': '' }, ['config.yaml', 'cannot read']],
  // the user file and included files are named, not config.yaml
  ['config.user.yaml bad value', { 'config.yaml': yamlOf({}), 'config.user.yaml': 'download:\n  concurrency: 0\n' }, ['config.user.yaml', 'download.concurrency']],
  ['an included file with a bad value', { 'config.yaml': yamlOf({ includes: ['conf.d/*.yaml'] }), 'conf.d/10-net.yaml': 'download:\n  timeout_ms: 1\n' }, ['conf.d/10-net.yaml', 'download.timeout_ms']],
  ['an included file with bad YAML', { 'config.yaml': yamlOf({ includes: ['conf.d/*.yaml'] }), 'conf.d/a.yaml': 'download: {\n' }, ['conf.d/a.yaml', 'invalid YAML']],
  ['an included file with an unknown key', { 'config.yaml': yamlOf({ includes: ['conf.d/*.yaml'] }), 'conf.d/a.yaml': 'resample:\n  timeframe: []\n' }, ['conf.d/a.yaml', 'resample.timeframe: unknown key']],
  ['an include cycle', { 'config.yaml': yamlOf({ includes: ['conf.d/*.yaml'] }), 'conf.d/a.yaml': 'includes: ["*.yaml"]\n' }, ['conf.d/a.yaml', 'cycle']],
];

/** A billion-laughs document: must be refused quickly, not expanded. */
function aliasBomb(): string {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    lines.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  return `${lines.join('\n')}\n`;
}

test('invalid config values, unknown keys, bad YAML and bad includes: each refused with exit 2 naming the file and key', async () => {
  const t0 = performance.now();
  const failures: string[] = [];
  let viaCli = 0;
  await pool(CONFIG_CASES, 3, async ([what, files, mentions, valueCase], i) => {
    const root = makeTree({ ...files, 'symbols.txt': 'EUR/USD\n' });
    const cli = SOAK || !valueCase || i % 5 === 0;
    if (cli) viaCli++;
    await check(root, [], mentions, what, cli, failures);
  });
  assert.deepEqual(failures, []);
  configsRefused = CONFIG_CASES.length;
  console.log(`config cases: ${CONFIG_CASES.length} refused (${viaCli} of them also through the CLI) in ${secs(performance.now() - t0)}`);
});

// ---- names ----

const BAD_NAMES: [string, string][] = [
  ['../EUR/USD', 'path'],
  ['EUR/../USD', 'path'],
  ['/EUR/USD', 'path'],
  ['EUR/USD/..', 'path'],
  ['./EUR/USD', 'path'],
  ['.EUR/USD', 'path'],
  ['EUR\\USD', 'path'],
  ['EUR/USD/GBP', 'path'],
  ['EUR//USD', 'path'],
  ['C:\\EUR/USD', 'path'],
  ['~/EUR/USD', 'path'],
  ['EUR%2FUSD', 'encoded slash'],
  ['EUR/USD%00', 'encoded NUL'],
  ['EUR/USD.', 'trailing dot'],
  ['EUR..X/USD', 'double dot'],
  ['EURUSD', 'no slash'],
  ['EUR-USD', 'the file-name form'],
  ['EUR/*', 'a pattern'],
  ['eur/usd', 'lower case'],
  ['Eur/Usd', 'mixed case'],
  [`${'A'.repeat(28)}/USD`, 'too long (32)'],
  [`${'ABCDEFGH.'.repeat(6)}X/USD`, 'far too long'],
  ['EUR /USD', 'space'],
  ['EUR/ USD', 'space'],
  ['EUR\tX/USD', 'tab'],
  ['EUR/USD\u0000', 'NUL'],
  ['EUR\u0000/USD', 'NUL'],
  ['\u0415UR/USD', 'Cyrillic Е'],
  ['EUR/U\u0405D', 'Cyrillic Ѕ'],
  ['\uFF25UR/USD', 'fullwidth Ｅ'],
  ['EUR\u2215USD', 'division slash'],
  ['EUR\u2044USD', 'fraction slash'],
  ['EUR/USD\u200B', 'zero-width space'],
  ['\u202EDSU/RUE', 'right-to-left override'],
  ['EUR\u00A0/USD', 'no-break space'],
  ['EUR/USD?x=1', 'query string'],
];

test('invalid symbol names in symbols.txt, symbols.user.txt and --symbols: each refused with exit 2 naming it', async () => {
  const t0 = performance.now();
  const config = yamlOf({});
  const cases: { what: string; files: Record<string, string>; args: string[]; mentions: string[] }[] = [];
  for (const [name, why] of BAD_NAMES) {
    cases.push({ what: `symbols.txt: ${why} ${JSON.stringify(name)}`, files: { 'config.yaml': config, 'symbols.txt': `# majors\nXAU/USD\n${name}\n` }, args: [], mentions: ['symbols.txt:3', JSON.stringify(name)] });
    // NUL cannot be passed in an argument (execve strings end at NUL): symbols.txt only.
    if (name.includes('\u0000')) continue;
    cases.push({ what: `--symbols: ${why} ${JSON.stringify(name)}`, files: { 'config.yaml': config, 'symbols.txt': 'XAU/USD\n' }, args: ['--symbols', `XAU/USD,${name}`], mentions: ['--symbols', JSON.stringify(name.trim())] });
  }
  cases.push(
    { what: 'symbols.user.txt overrides symbols.txt and is named', files: { 'config.yaml': config, 'symbols.txt': 'EUR/USD\n', 'symbols.user.txt': 'EUR/USD\nxau/usd\n' }, args: [], mentions: ['symbols.user.txt:2', '"xau/usd"'] },
    { what: '--symbols: an empty entry', files: { 'config.yaml': config, 'symbols.txt': 'EUR/USD\n' }, args: ['--symbols', 'EUR/USD,,XAU/USD'], mentions: ['--symbols', 'bad symbol name ""'] },
    { what: '--symbols: empty', files: { 'config.yaml': config, 'symbols.txt': 'EUR/USD\n' }, args: ['--symbols', ' '], mentions: ['--symbols', 'bad symbol name ""'] },
    { what: '--symbols: a newline inside', files: { 'config.yaml': config, 'symbols.txt': 'EUR/USD\n' }, args: ['--symbols', 'EUR/USD\nXAU/USD'], mentions: ['--symbols', JSON.stringify('EUR/USD\nXAU/USD')] },
    { what: 'symbols.txt: a duplicate', files: { 'config.yaml': config, 'symbols.txt': 'EUR/USD\nXAU/USD\nEUR/USD\n' }, args: [], mentions: ['symbols.txt:3', 'duplicate symbol EUR/USD'] },
    { what: 'symbols.txt: only comments', files: { 'config.yaml': config, 'symbols.txt': '# nothing here\n\n' }, args: [], mentions: ['symbols.txt', 'lists no symbols'] },
    { what: 'symbols.txt: missing', files: { 'config.yaml': config }, args: [], mentions: ['no symbols.txt'] },
  );
  const failures: string[] = [];
  let viaCli = 0;
  await pool(cases, 3, async ({ what, files, args, mentions }, i) => {
    const root = makeTree(files);
    const cli = SOAK || i % 6 === 0;
    if (cli) viaCli++;
    await check(root, args, mentions, what, cli, failures);
  });
  assert.deepEqual(failures, []);
  namesRefused = cases.length;
  console.log(`name cases: ${cases.length} refused (${BAD_NAMES.length} bad names in symbols.txt and --symbols, and list errors; ${viaCli} also through the CLI) in ${secs(performance.now() - t0)}`);
});

test('counts', () => {
  console.log(`configs refused: ${configsRefused}, names refused: ${namesRefused}`);
  assert.ok(configsRefused > 0 && namesRefused > 0);
});
