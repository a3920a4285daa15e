// Issue 9 part 4: arguments mean what they say. `--symbols` with a duplicate or with nothing in it is a usage
// error for every command (exit 2, nothing touched); `--from` after `--to` too; `--to` bounds every stage (a
// store built with it ends there even when the cache holds later days); `rebuild` takes the same range; a
// `--from` that cannot take effect or a range that selects nothing is explained on stderr.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { runCli, makeRoot, listFiles, snapshot } from '../helpers/cli.js';
import { removeTree, treeDiff } from '../helpers/reliability.js';
import { readBin } from '../helpers/independent.js';

const NOW = '2026-07-21T12:34:30Z';
const FROM = '2026-07-06';
const TO = '2026-07-14';
const AFTER_TO = Date.parse('2026-07-15T00:00:00Z');
const SYMBOLS = ['EUR/USD', 'BTC/USD'];
const CODES = ['EUR-USD', 'BTC-USD'];

let sim: SimServer;
let full: string; // a complete run from FROM to NOW
const roots: string[] = [];

const newRoot = (symbols = SYMBOLS) => {
  const r = makeRoot(sim.url, symbols);
  roots.push(r);
  return r;
};
const cli = (args: string[]) => runCli([...args, '--now', NOW]);

before(async () => {
  sim = await startSim({ host: '127.0.0.1', port: 0, seed: 5, now: Date.parse(NOW) });
  full = newRoot();
  const r = await cli(['run', '--root', full, '--from', FROM, '-q']);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await sim.close();
  for (const r of roots) removeTree(r);
});

const dayFiles = (root: string) => listFiles(join(root, 'data/transform/1m')).concat(listFiles(join(root, 'data/temp'))).filter((f) => f.endsWith('.bin'));
const lastTs = (file: string) => readBin(file).records.at(-1)!.ts;

test('--symbols with a duplicate or an empty selection is exit 2 for every command, before anything is touched', async () => {
  const root = newRoot();
  cpSync(full, root, { recursive: true });
  const before = snapshot(root);
  const cases: [string, string[]][] = [];
  for (const symbols of ['EUR/USD,EUR/USD', 'EUR/USD, BTC/USD ,EUR/USD', '']) {
    cases.push(['run', ['run', '--root', root, '--symbols', symbols]]);
    cases.push(['rebuild full', ['rebuild', 'full', '--root', root, '--symbols', symbols]]);
    cases.push(['rebuild aggregate', ['rebuild', 'aggregate', '--root', root, '--symbols', symbols]]);
    cases.push(['verify', ['verify', '--root', root, '--symbols', symbols]]);
  }
  for (const [what, args] of cases) {
    const r = args[0] === 'verify' ? await runCli(args) : await cli(args);
    const symbols = args[args.indexOf('--symbols') + 1];
    assert.equal(r.code, 2, `${what} --symbols '${symbols}': ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, symbols === '' ? /--symbols: bad symbol name "": an empty selection/ : /--symbols: duplicate symbol EUR\/USD/, r.stderr);
  }
  const after = snapshot(root);
  assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), 'no file created or deleted');
  for (const [rel, bytes] of before) assert.ok(after.get(rel)!.equals(bytes), `${rel} unchanged`);
});

test('--from after --to is exit 2 for run and rebuild; rebuild resample refuses a range it cannot apply', async () => {
  const root = newRoot();
  for (const args of [
    ['run', '--root', root, '--from', '2026-07-10', '--to', '2026-07-09'],
    ['rebuild', 'full', '--root', root, '--from', '2026-07-10', '--to', '2026-07-09'],
  ]) {
    const r = await cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /--from 2026-07-10 is after --to 2026-07-09/);
  }
  assert.equal(existsSync(join(root, 'cache')), false, 'nothing downloaded');
  const r = await cli(['rebuild', 'resample', '--root', root, '--to', '2026-07-09']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /rebuild resample: --from\/--to do not apply/);
});

test('a store built with --to ends there, even when the cache and data/temp hold later days', async () => {
  // Same cache and live temp files as the full run, no derived data: only the range may stop the later days.
  const root = newRoot();
  cpSync(join(full, 'cache'), join(root, 'cache'), { recursive: true });
  cpSync(join(full, 'data/temp'), join(root, 'data/temp'), { recursive: true, filter: (src) => !src.endsWith('.bin') });
  // And a provisional day after --to, left in data/temp by an earlier run: not fetched, not taken.
  const held = join(root, 'data/temp/EUR-USD_20260718.json');
  renameSync(join(root, 'cache/2026/07/EUR-USD_20260718.json'), held);
  const r = await cli(['run', '--root', root, '--from', FROM, '--to', TO, '-q']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(held) && !existsSync(join(root, 'cache/2026/07/EUR-USD_20260718.json')), 'the provisional day after --to is left alone');
  for (const name of dayFiles(root)) assert.ok(!/_2026071[5-9]|_2026072/.test(name), `no day file after --to: ${name}`);
  for (const [i, code] of CODES.entries()) {
    const store = join(root, `data/aggregate/1m/${code}.bin`);
    assert.ok(lastTs(store) < AFTER_TO, `${SYMBOLS[i]}: 1m store ends by ${TO}`);
    // Exactly the full store's records up to TO.
    const mine = readBin(store).records;
    const all = readBin(join(full, `data/aggregate/1m/${code}.bin`)).records;
    assert.deepEqual(mine, all.slice(0, mine.length));
    assert.ok(all[mine.length].ts >= AFTER_TO, 'and none of them missing');
    for (const tf of readdirSync(join(root, 'data/resample'))) {
      assert.ok(lastTs(join(root, `data/resample/${tf}/${code}.bin`)) < AFTER_TO, `${tf} ends by ${TO}`);
    }
  }
  // A later run without --to continues from there and ends like the full run (cache and stores).
  const again = await cli(['run', '--root', root, '--from', FROM, '-q']);
  assert.equal(again.code, 0, again.stderr);
  for (const code of CODES) {
    assert.deepEqual(readBin(join(root, `data/aggregate/1m/${code}.bin`)).records, readBin(join(full, `data/aggregate/1m/${code}.bin`)).records);
  }
  assert.deepEqual(treeDiff(join(root, 'cache'), join(full, 'cache')), [], 'the held day settled into the cache');
  assert.equal(existsSync(held), false);
});

test('rebuild aggregate takes --from/--to: the rebuilt store spans exactly that range', async () => {
  const root = newRoot();
  cpSync(full, root, { recursive: true });
  const r = await cli(['rebuild', 'aggregate', '--root', root, '--from', '2026-07-08', '--to', TO, '-q']);
  assert.equal(r.code, 0, r.stderr);
  for (const code of CODES) {
    const all = readBin(join(full, `data/aggregate/1m/${code}.bin`)).records;
    const expected = all.filter((x) => x.ts >= Date.parse('2026-07-08T00:00:00Z') && x.ts < AFTER_TO).map(({ ts, o, h, l, c, v }) => ({ ts, o, h, l, c, v }));
    const got = readBin(join(root, `data/aggregate/1m/${code}.bin`)).records.map(({ ts, o, h, l, c, v }) => ({ ts, o, h, l, c, v }));
    assert.deepEqual(got, expected, code);
  }
});

test('a --from before the store, a --to before its end and a range that selects nothing are explained', async () => {
  const root = newRoot();
  cpSync(full, root, { recursive: true });
  const early = await cli(['run', '--root', root, '--from', '2026-06-01', '-q']);
  assert.equal(early.code, 0, early.stderr);
  assert.match(early.stderr, /note: EUR\/USD: --from 2026-06-01 is before the store's first day 2026-07-06; .*continues from 2026-07-2[01]: `candlestore rebuild full --symbols EUR\/USD --from 2026-06-01`/);
  assert.equal(existsSync(join(root, 'cache/2026/06')), false, 'no day before the store was fetched');

  const short = await cli(['run', '--root', root, '--to', TO, '-q']);
  assert.equal(short.code, 0, short.stderr);
  assert.match(short.stderr, /note: BTC\/USD: the store already ends on 2026-07-2[01], after --to 2026-07-14: nothing to add/);

  const fresh = newRoot(['EUR/USD']);
  const future = await cli(['run', '--root', fresh, '--from', '2026-08-01', '-q']);
  assert.equal(future.code, 0, future.stderr);
  assert.match(future.stderr, /note: EUR\/USD: no day selected: the first day 2026-08-01 is after today \(2026-07-21\)/);
  assert.equal(existsSync(join(fresh, 'data/aggregate/1m/EUR-USD.bin')), false);
});
