// The foundation end to end, as a user runs it: the CLI in a child process against `sim` on 127.0.0.1.
// Every candle is checked against an independent decoding of the cached JSON (test/helpers/independent.ts).
import { crc32 } from 'node:zlib';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { runCli, makeRoot, snapshot, listFiles } from '../helpers/cli.js';
import { independentDecode, readBin } from '../helpers/independent.js';

const SYMBOLS = ['EUR/USD', 'BTC/USD', 'AUS.IDX/AUD'];
const CODES = ['EUR-USD', 'BTC-USD', 'AUS.IDX-AUD'];
const NOW = '2026-07-21T12:34:30Z';
const FROM = '2026-07-02';
const DAYS = Array.from({ length: 19 }, (_, i) => `202607${String(i + 2).padStart(2, '0')}`); // 07-02 … 07-20 closed
const LIVE = '20260721';
const DECIMALS: Record<string, number> = { 'EUR-USD': 5, 'BTC-USD': 1, 'AUS.IDX-AUD': 3 };

let sim: SimServer;
let cleanRoot: string;
// The server's clock follows the `--now` each run is given, so its live day is the run's live day.
let simNow = Date.parse(NOW);
const clock = () => simNow;

before(async () => {
  sim = await startSim({ host: '127.0.0.1', port: 0, seed: 7, now: clock });
});
after(async () => {
  await sim.close();
});

const runArgs = (root: string, now = NOW) => ['run', '--root', root, '--from', FROM, '--now', now];

test('a 3-symbol × 20-day run produces the expected cache and transform files, each candle exact', async () => {
  cleanRoot = makeRoot(sim.url, SYMBOLS);
  const r = await runCli(runArgs(cleanRoot));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Summary:/);
  assert.match(r.stdout, /Download .* 60 days downloaded/);

  // The days, their month's MANIFEST and each symbol's instrument document (fetched before any day).
  const expectedCache = [...CODES.flatMap((c) => DAYS.map((d) => `cache/2026/07/${c}_${d}.json`)), 'cache/2026/07/MANIFEST', ...CODES.map((c) => `cache/instruments/${c}.json`)].sort();
  assert.deepEqual(listFiles(join(cleanRoot, 'cache')).map((f) => `cache/${f}`), expectedCache);
  // The month's MANIFEST: one line per cached body, its size and CRC-32 (docs/format.md §7), sorted.
  const manifestLines = CODES.flatMap((c) => DAYS.map((d) => {
    const name = `${c}_${d}.json`;
    const body = readFileSync(join(cleanRoot, 'cache/2026/07', name));
    const text = `${name} ${body.length} ${crc32(body).toString(16).padStart(8, '0')}`;
    return `${text} ${crc32(text).toString(16).padStart(8, '0')}`;
  })).sort();
  assert.equal(readFileSync(join(cleanRoot, 'cache/2026/07/MANIFEST'), 'latin1'), `# candlestore cache manifest 1\n${manifestLines.map((l) => `${l}\n`).join('')}`);
  const expectedTransform = CODES.flatMap((c) => DAYS.map((d) => `2026/07/${c}_${d}.bin`)).sort();
  assert.deepEqual(listFiles(join(cleanRoot, 'data/transform/1m')), expectedTransform);
  assert.deepEqual(listFiles(join(cleanRoot, 'data/temp')), CODES.flatMap((c) => [`${c}_${LIVE}.bin`, `${c}_${LIVE}.json`]).sort());

  let total = 0;
  for (const [i, code] of CODES.entries()) {
    const pairs: [string, string][] = [
      ...DAYS.map((d): [string, string] => [`cache/2026/07/${code}_${d}.json`, `data/transform/1m/2026/07/${code}_${d}.bin`]),
      [`data/temp/${code}_${LIVE}.json`, `data/temp/${code}_${LIVE}.bin`],
    ];
    const storeRecords = readBin(join(cleanRoot, `data/aggregate/1m/${code}.bin`)).records;
    let storeAt = 0;
    for (const [json, bin] of pairs) {
      const expected = independentDecode(readFileSync(join(cleanRoot, json), 'utf8'));
      const file = readBin(join(cleanRoot, bin));
      assert.deepEqual([file.magic, file.version, file.recordSize, file.timeframe, file.symbol, file.decimals, file.generation], ['CNDLSTR', 2, 64, '1m', SYMBOLS[i], DECIMALS[code], 0], bin);
      assert.equal(file.bodyCrc, crc32(readFileSync(join(cleanRoot, bin)).subarray(64)), `${bin}: body_crc is the CRC-32 of its records`);
      assert.equal(file.records.length, expected.length, bin);
      file.records.forEach((rec, k) => {
        const e = expected[k];
        assert.deepEqual([rec.ts, rec.o, rec.h, rec.l, rec.c, rec.v, rec.src, rec.count, rec.flags], [e.ts, e.o, e.h, e.l, e.c, e.v, e.row, 1, 0], `${bin} candle ${k}`);
        // the store is the concatenation of the day files, src = byte position in the day file
        const s = storeRecords[storeAt++];
        assert.deepEqual([s.ts, s.o, s.h, s.l, s.c, s.v, s.src], [rec.ts, rec.o, rec.h, rec.l, rec.c, rec.v, 64 * (k + 1)], `store row for ${bin} ${k}`);
      });
      total += expected.length;
    }
    assert.equal(storeAt, storeRecords.length, `${code} store has no extra rows`);
  }
  assert.ok(total > 50_000, `only ${total} candles`);
  // the live day ends before `now` with complete minutes only
  const live = readBin(join(cleanRoot, `data/temp/BTC-USD_${LIVE}.bin`)).records;
  assert.equal(live.at(-1)!.ts, Date.parse('2026-07-21T12:33:00Z'));
});

test('a second run downloads only the live day; a later run appends the grown live day as a prefix-stable file', async () => {
  const before = sim.stats.requests;
  const r = await runCli(runArgs(cleanRoot));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(sim.stats.requests - before, 3, 'one live request per symbol');
  const oldLive = readFileSync(join(cleanRoot, `data/temp/EUR-USD_${LIVE}.bin`));
  simNow = Date.parse('2026-07-21T14:00:10Z');
  const r2 = await runCli(runArgs(cleanRoot, '2026-07-21T14:00:10Z'));
  simNow = Date.parse(NOW);
  assert.equal(r2.code, 0, r2.stderr);
  const newLive = readFileSync(join(cleanRoot, `data/temp/EUR-USD_${LIVE}.bin`));
  assert.ok(newLive.length > oldLive.length);
  assert.ok(newLive.subarray(64, oldLive.length).equals(oldLive.subarray(64)), 'earlier candles unchanged');
  const store = readBin(join(cleanRoot, 'data/aggregate/1m/EUR-USD.bin')).records;
  assert.equal(store.at(-1)!.ts, Date.parse('2026-07-21T13:59:00Z'));
  assert.equal(new Set(store.map((x) => x.ts)).size, store.length, 'no duplicate candle');
});

test('--faults 0.3 (every fault kind) still completes with byte-identical output', async () => {
  const faulty = await startSim({ host: '127.0.0.1', port: 0, seed: 7, now: clock, faults: 0.3, slowMs: 30 });
  try {
    const clean = makeRoot(sim.url, SYMBOLS);
    const withFaults = makeRoot(faulty.url, SYMBOLS);
    assert.equal((await runCli(runArgs(clean))).code, 0);
    const r = await runCli(runArgs(withFaults));
    assert.equal(r.code, 0, r.stderr);
    const injected = Object.values(faulty.stats.faults).reduce((a, b) => a + b, 0);
    assert.ok(injected >= 10, `only ${injected} faults injected`);
    const skipConfig = (rel: string) => rel !== 'config.yaml';
    const a = snapshot(clean, skipConfig);
    const b = snapshot(withFaults, skipConfig);
    assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
    for (const [rel, bytes] of a) assert.ok(bytes.equals(b.get(rel)!), `${rel} differs`);
    console.log(`faults injected: ${JSON.stringify(faulty.stats.faults)}`);
  } finally {
    await faulty.close();
  }
});

test('exhausted retries abort naming symbol and day, exit 1, and leave no partial file', async () => {
  const failing = await startSim({ host: '127.0.0.1', port: 0, seed: 7, now: clock, faults: 1, faultKinds: ['503'], faultStreak: 1_000_000 });
  try {
    const root = makeRoot(failing.url, SYMBOLS, '  max_retries: 2\n');
    const r = await runCli(runArgs(root));
    assert.equal(r.code, 1);
    // The instrument documents are fetched first, with the same retries as days.
    assert.match(r.stderr, /^ABORT! Critical error in Download: (EUR\/USD|BTC\/USD|AUS\.IDX\/AUD) (instrument document|live day|2026-07-\d\d).*failed after 3 attempts.*503/m);
    assert.doesNotMatch(r.stdout, /Summary/);
    assert.deepEqual(listFiles(join(root, 'cache')), []);
    assert.deepEqual(listFiles(join(root, 'data')).filter((f) => !f.startsWith('locks/') || f !== 'locks/run.lock'), []);
    assert.ok(!existsSync(join(root, 'data/locks/run.lock')), 'lock released');
  } finally {
    await failing.close();
  }
});

test('an unknown instrument is refused before any download with a clear message (exit 2)', async () => {
  const root = makeRoot(sim.url, ['EUR/USD', 'ZZZ/QQQ']);
  const r = await runCli(runArgs(root));
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /candlestore: the service has no instrument ZZZ\/QQQ: nothing was downloaded/);
  assert.deepEqual(listFiles(join(root, 'cache')).filter((f) => !f.startsWith('instruments/')), []);
});

test('two concurrent runs: the second exits 3; a stale lock of a dead process is taken over', async () => {
  const slow = await startSim({ host: '127.0.0.1', port: 0, seed: 7, now: clock, faults: 1, faultKinds: ['slow'], slowMs: 300, faultStreak: 1_000_000 });
  try {
    const root = makeRoot(slow.url, SYMBOLS);
    const first = runCli(runArgs(root));
    const lock = join(root, 'data/locks/run.lock');
    for (let i = 0; i < 200 && !existsSync(lock); i++) await new Promise((r) => setTimeout(r, 25));
    const second = await runCli(runArgs(root));
    assert.equal(second.code, 3);
    assert.match(second.stderr, /another candlestore run \(pid \d+\) holds .*run\.lock/);
    assert.equal((await first).code, 0);
  } finally {
    await slow.close();
  }
  // stale lock: the pid of a process that has exited
  const dead = spawn(process.execPath, ['-e', '']);
  const deadPid = dead.pid!;
  await new Promise((r) => dead.on('close', r));
  const root = makeRoot(sim.url, ['EUR/USD']);
  mkdirSync(join(root, 'data/locks'), { recursive: true });
  writeFileSync(join(root, 'data/locks/run.lock'), `${deadPid}\n`);
  const r = await runCli(runArgs(root));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`took over a stale lock left by process ${deadPid}`));
});

test('a bad config value and a bad symbol name each exit 2 with a clear message', async () => {
  const root = makeRoot(sim.url, SYMBOLS, '  max_retries: lots\n');
  const r = await runCli(runArgs(root));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /config\.yaml: download\.max_retries: .*number/);

  const r2 = await runCli([...runArgs(makeRoot(sim.url, SYMBOLS)), '--symbols', 'EUR/USD,../../etc/passwd']);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /--symbols: bad symbol name "..\/..\/etc\/passwd": contains a path component/);

  const badList = makeRoot(sim.url, ['EUR/USD', 'eur/gbp']);
  const r3 = await runCli(runArgs(badList));
  assert.equal(r3.code, 2);
  assert.match(r3.stderr, /symbols\.txt:2: bad symbol name "eur\/gbp": must be upper case/);

  const r4 = await runCli(['run', '--root', badList, '--from', '2026-02-30']);
  assert.equal(r4.code, 2);
  assert.match(r4.stderr, /bad date "2026-02-30"/);
});
