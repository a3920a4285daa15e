// Settings that change derived data, as a user changes them on a root that already has stores: a time
// shift (setup-dukascopy.sh after a UTC run), round_decimals, a session, a timeframe's rule. Each stops the
// next run with exit 2 naming the setting, the old and the new value and the rebuild that fixes it, and
// leaves every file as it was; `run --rebuild-on-change` (or the rebuild named) ends byte-identical to a
// clean run with the new settings, rebuilding only the symbols and layers that changed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { makeRoot, runCli, snapshot } from '../helpers/cli.js';
import { copyTree, dataOnly, removeTree, treeDiff } from '../helpers/reliability.js';
import { readBin } from '../helpers/independent.js';
import { recordCacheBody } from '../../src/store/cacheManifest.js';

const PROJECT = new URL('../../', import.meta.url).pathname;
const SYMBOLS = ['EUR/USD', 'BTC/USD'];
const FROM = '2026-03-05';
const NOW = '2026-03-12T10:00:00Z'; // New York springs forward on 2026-03-08, inside the range
let sim: SimServer;
const roots: string[] = [];

before(async () => {
  sim = await startSim({ host: '127.0.0.1', port: 0, seed: 5, now: () => Date.parse(NOW) });
});
after(async () => {
  await sim.close();
  for (const r of roots) removeTree(r);
});

/** Pipeline files only: no config, no symbols, no lock folder. */
const pipelineFiles = (rel: string) => dataOnly(rel) && !rel.startsWith('data/locks');

function root(extraYaml = '', symbols = SYMBOLS): string {
  const r = makeRoot(sim.url, symbols, extraYaml);
  roots.push(r);
  return r;
}

async function run(r: string, ...extra: string[]) {
  return runCli(['run', '--root', r, '--from', FROM, '--now', NOW, '-q', ...extra]);
}

async function ok(r: string, ...extra: string[]): Promise<void> {
  const res = await run(r, ...extra);
  assert.equal(res.code, 0, res.stderr);
}

/** Every pipeline file with its bytes and mtime: a refused run must leave all of them alone. */
function state(r: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [rel, bytes] of snapshot(r, pipelineFiles)) out.set(rel, `${bytes.toString('base64')}@${statSync(join(r, rel)).mtimeMs}`);
  return out;
}

function mtimes(r: string, prefix: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const rel of snapshot(r, (p) => p.startsWith(prefix)).keys()) out.set(rel, statSync(join(r, rel)).mtimeMs);
  return out;
}

const RULE = '{"dst_ms":10800000,"std_ms":7200000,"zone":"America/New_York"}';

test('a time shift change after a UTC run (setup-dukascopy.sh) stops with exit 2; --rebuild-on-change equals a clean MT4 run', async () => {
  const r = root();
  await ok(r);
  execFileSync('bash', [join(PROJECT, 'setup-dukascopy.sh'), r]);
  const untouched = state(r);

  const refused = await run(r);
  assert.equal(refused.code, 2, refused.stderr);
  const line = 'transform.symbols."*".time_shift_rule changed from time_shift_ms 0 to time_shift_rule ' + RULE + ' for EUR/USD, BTC/USD: the stores of EUR/USD, BTC/USD were built with time_shift_ms 0; run `candlestore rebuild full --symbols EUR/USD,BTC/USD`';
  assert.ok(refused.stderr.includes(line), refused.stderr);
  assert.deepEqual(state(r), untouched, 'a refused run changes nothing');

  // `rebuild resample` would keep the 1m store of the old time axis: refused too, before deleting anything.
  const partial = await runCli(['rebuild', 'resample', '--root', r, '--now', NOW, '-q']);
  assert.equal(partial.code, 2, partial.stderr);
  assert.match(partial.stderr, /rebuild full --symbols EUR\/USD,BTC\/USD/);
  assert.deepEqual(state(r), untouched, 'a refused rebuild deletes nothing');

  const clean = root();
  execFileSync('bash', [join(PROJECT, 'setup-dukascopy.sh'), clean]);
  await ok(clean);

  // The rebuild the message names, on a copy.
  const viaRebuild = copyTree(r);
  roots.push(viaRebuild);
  const rebuilt = await runCli(['rebuild', 'full', '--symbols', 'EUR/USD,BTC/USD', '--root', viaRebuild, '--now', NOW, '-q']);
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  assert.deepEqual(treeDiff(viaRebuild, clean, pipelineFiles), []);

  const auto = await run(r, '--rebuild-on-change');
  assert.equal(auto.code, 0, auto.stderr);
  assert.deepEqual(treeDiff(r, clean, pipelineFiles), []);
  // MT4 time: sim's FX week opens Sunday 22:00 UTC; New York is on DST from 2026-03-08, so GMT+3: Monday 01:00.
  const rows = readBin(join(r, 'data/aggregate/1m/EUR-USD.bin')).records;
  assert.equal(rows.find((row) => row.ts >= Date.UTC(2026, 2, 8))?.ts, Date.UTC(2026, 2, 9, 1, 0));
  await ok(r); // and the next plain run agrees with the stores
});

test('a round_decimals change stops with exit 2 naming only the symbol it applies to; --rebuild-on-change rebuilds only that one', async () => {
  const r = root();
  await ok(r);
  const user = 'transform:\n  symbols:\n    "EUR/USD": { round_decimals: 3 }\n';
  writeFileSync(join(r, 'config.user.yaml'), user);
  const untouched = state(r);
  const refused = await run(r);
  assert.equal(refused.code, 2, refused.stderr);
  const line = 'transform.symbols."EUR/USD".round_decimals changed from 5 (the instrument\'s) to 3 for EUR/USD: the stores of EUR/USD were built with 5 (the instrument\'s); run `candlestore rebuild full --symbols EUR/USD`';
  assert.ok(refused.stderr.includes(line), refused.stderr);
  assert.ok(!refused.stderr.includes('BTC/USD'), refused.stderr);
  assert.deepEqual(state(r), untouched);

  const btcBefore = mtimes(r, 'data/aggregate/1m/BTC-USD');
  const auto = await run(r, '--rebuild-on-change');
  assert.equal(auto.code, 0, auto.stderr);
  const clean = root();
  writeFileSync(join(clean, 'config.user.yaml'), user);
  await ok(clean);
  assert.deepEqual(treeDiff(r, clean, pipelineFiles), []);
  assert.equal(readBin(join(r, 'data/aggregate/1m/EUR-USD.bin')).decimals, 3);
  assert.deepEqual(mtimes(r, 'data/aggregate/1m/BTC-USD'), btcBefore, 'BTC/USD was not rebuilt');
});

test('a session change stops with exit 2 naming the session; --rebuild-on-change rebuilds the timeframes only', async () => {
  const r = root();
  await ok(r);
  const user = 'sessions:\n  "EUR/USD":\n    timezone: America/New_York\n    ranges: [{ from: "17:00", to: "17:00", weekdays: [1, 2, 3, 4, 5] }]\n';
  writeFileSync(join(r, 'config.user.yaml'), user);
  const untouched = state(r);
  const refused = await run(r);
  assert.equal(refused.code, 2, refused.stderr);
  const session = '{"ranges":[{"from":"17:00","to":"17:00","weekdays":[1,2,3,4,5]}],"timezone":"America/New_York"}';
  const line = `sessions."EUR/USD" changed from none to ${session} for EUR/USD: the 5m, 15m, 30m, 1h, 4h, 1d, 1W, 1M, 1Y timeframes of EUR/USD were built with none; run \`candlestore rebuild resample --symbols EUR/USD\``;
  assert.ok(refused.stderr.includes(line), refused.stderr);
  assert.deepEqual(state(r), untouched);

  const oneMinute = mtimes(r, 'data/aggregate');
  const auto = await run(r, '--rebuild-on-change');
  assert.equal(auto.code, 0, auto.stderr);
  const clean = root();
  writeFileSync(join(clean, 'config.user.yaml'), user);
  await ok(clean);
  assert.deepEqual(treeDiff(r, clean, pipelineFiles), []);
  assert.deepEqual(mtimes(r, 'data/aggregate'), oneMinute, 'the 1m stores were not rebuilt');
});

test('a timeframe rule change stops with exit 2 naming its key; --rebuild-on-change rebuilds it and what is built from it', async () => {
  const cascade = (rule: string) =>
    `resample:\n  timeframes:\n    - { name: 5m, rule: 5m, source: 1m }\n    - { name: 1h, rule: 1h, source: 5m }\n    - { name: H, rule: ${rule}, source: 1h }\n    - { name: 1d, rule: 1d, source: H }\n`;
  const r = root(cascade('2h'));
  await ok(r);
  writeFileSync(join(r, 'config.yaml'), readFileSync(join(r, 'config.yaml'), 'utf8').replace('rule: 2h', 'rule: 3h'));
  const untouched = state(r);
  const refused = await run(r);
  assert.equal(refused.code, 2, refused.stderr);
  const line = 'resample.timeframes.2.rule changed from 2h to 3h for EUR/USD, BTC/USD: the H timeframe of EUR/USD, BTC/USD were built with 2h; run `candlestore rebuild resample --symbols EUR/USD,BTC/USD`';
  assert.ok(refused.stderr.includes(line), refused.stderr);
  assert.deepEqual(state(r), untouched);

  const kept = new Map([...mtimes(r, 'data/resample/5m'), ...mtimes(r, 'data/resample/1h'), ...mtimes(r, 'data/aggregate')]);
  const auto = await runCli(['run', '--root', r, '--from', FROM, '--now', NOW, '--rebuild-on-change']);
  assert.equal(auto.code, 0, auto.stderr);
  assert.match(auto.stdout, /EUR\/USD \(H, 1d\); BTC\/USD \(H, 1d\)/);
  const clean = root(cascade('3h'));
  await ok(clean);
  assert.deepEqual(treeDiff(r, clean, pipelineFiles), []);
  assert.deepEqual(new Map([...mtimes(r, 'data/resample/5m'), ...mtimes(r, 'data/resample/1h'), ...mtimes(r, 'data/aggregate')]), kept, '5m, 1h and 1m were not rebuilt');
});

test('time_shift_ms of 1234 (not whole minutes) is refused by config validation, naming the key', async () => {
  const r = root('transform:\n  symbols:\n    "*": { time_shift_ms: 1234 }\n');
  const res = await run(r);
  assert.equal(res.code, 2, res.stderr);
  assert.match(res.stderr, /config\.yaml: transform\.symbols\.\*\.time_shift_ms: expected whole minutes \(a multiple of 60000 ms\)/);
  assert.deepEqual([...snapshot(r, pipelineFiles).keys()], []);
});

test('an empty first day of another multiplier does not decide the store\'s decimals', async () => {
  // 2026-03-07 is a Saturday: EUR/USD has no candles. Its cached day is given a 1e-3 multiplier (the
  // service has sent empty days with a default one); the store keeps the 5 decimals of the real prices.
  const r = root('', ['EUR/USD']);
  const args = ['--from', '2026-03-07'];
  const first = await runCli(['run', '--root', r, '--now', NOW, '-q', ...args]);
  assert.equal(first.code, 0, first.stderr);
  const clean = copyTree(r);
  roots.push(clean);
  const day = join(r, 'cache/2026/03/EUR-USD_20260307.json');
  const text = readFileSync(day, 'utf8');
  assert.match(text, /"multiplier":1\.0E-5,.*"times":\[\]/);
  // As if the server had sent it so: the body and its line in the month's MANIFEST.
  const served = Buffer.from(text.replace('"multiplier":1.0E-5', '"multiplier":1.0E-3'));
  await recordCacheBody(day, served);
  writeFileSync(day, served);
  const rebuilt = await runCli(['rebuild', 'full', '--root', r, '--now', NOW, '-q']);
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  assert.equal(readBin(join(r, 'data/aggregate/1m/EUR-USD.bin')).decimals, 5);
  assert.deepEqual(treeDiff(r, clean, (rel) => pipelineFiles(rel) && rel.startsWith('data/')), []);
});

test('a store whose definition file was deleted is judged by the fingerprint in its header', async () => {
  const r = root('', ['EUR/USD']);
  await ok(r);
  const defFile = join(r, 'data/aggregate/1m/index/EUR-USD.def.json');
  const recorded = readFileSync(defFile, 'utf8');
  assert.equal(recorded, '{"definition":{"decimals":5,"time_shift":{"time_shift_ms":0},"timeframe":"1m"},"fingerprint":2631689996,"notes":{"decimals_key":null,"decimals_source":"priceScale","instrument_decimals":5,"time_shift_key":null}}\n');
  rmSync(defFile);
  // Same settings: the run agrees with the header and writes the definition again.
  await ok(r);
  assert.equal(readFileSync(defFile, 'utf8'), recorded);
  rmSync(defFile);
  execFileSync('bash', [join(PROJECT, 'setup-dukascopy.sh'), r]);
  const untouched = state(r);
  const refused = await run(r);
  assert.equal(refused.code, 2, refused.stderr);
  assert.ok(refused.stderr.includes(`the settings of the 1m data (time shift, decimals) of EUR/USD changed from unknown settings (fingerprint 0x9cdc670c; ${defFile} is missing) to {"decimals":5,"time_shift":{"time_shift_rule":${RULE}},"timeframe":"1m"} for EUR/USD`), refused.stderr);
  assert.match(refused.stderr, /run `candlestore rebuild full --symbols EUR\/USD`/);
  assert.deepEqual(state(r), untouched);
});
