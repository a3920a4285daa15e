// Bad files on disk: every file kind the pipeline reads back — the raw cache (JSON), the live day's JSON,
// transform day files (closed and live), the aggregate store and its index, a resampled timeframe and its
// index — is truncated, bit-flipped, emptied, given a wrong or future-version header, or swapped for the
// other symbol's file, in a copy of a clean run's tree. Then the commands that read it back run (`run`, and
// for files `run` does not reread, the rebuild that does). Each case must end in one of:
//   refused   exit 1 with `ABORT! Critical error in <Stage>: …` naming the file (or the day file made from
//             it); following the message's advice (the rebuild it names, else deleting the file and what was
//             made from it) then restores a tree byte-identical to the clean run (every fifth case without
//             SOAK, every case with it);
//   repaired  exit 0, the damage reported (`repair: …`) or the file rebuilt, tree byte-identical to clean;
//   flagged   exit 0 because the damaged bytes are committed history `run` does not reread (a flipped bit in
//             the middle of a store; checking that costs a full read, so `run` leaves it to verify), and
//             `candlestore verify` reports the damage naming the file, exit 1;
// never a silently wrong candle: after every command, whatever a reader can see (each store's records up to
// its index's out_pos) must be the clean run's bytes in every store but the damaged one, and the damaged
// one must be refused or flagged.
//
// The last test changes one valid value into another valid value (a digit of a volume in cache JSON, the
// lowest mantissa bit of a close in a day file): only checksums can see those. Cache bodies are checked
// against their month's MANIFEST, day files against the body_crc in their header (docs/format.md).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { makeRoot, runCli, type CliResult } from '../helpers/cli.js';
import { SOAK, copyTree, removeTree, rng, secs, seedFrom, treeDiff, visibleDataProblems } from '../helpers/reliability.js';

const SYMBOLS = ['EUR/USD', 'XAU/USD']; // 5 and 3 decimals: a swapped JSON cannot pass as the other symbol
const NOW = '2026-04-15T13:07:40Z';
const FROM = '2026-04-08';
const DAY = '20260409'; // a closed Thursday in the middle of the range
const LIVE = '20260415';
const TF = '1h';
const seed = seedFrom('CANDLESTORE_CORRUPT_SEED');

let sim: SimServer;
let clean: string;
const outcomes = new Map<string, number>();
let corrupted = 0;
const started = performance.now();

before(async () => {
  sim = await startSim({ host: '127.0.0.1', port: 0, seed: 5, now: Date.parse(NOW) });
  clean = makeRoot(sim.url, SYMBOLS, 'aggregate:\n  csv: true\n');
  const r = await runCli(['run', '--root', clean, '--from', FROM, '--now', NOW, '-q']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(join(clean, 'data/resample', TF, 'XAU-USD.bin')), `the clean run made no data/resample/${TF}`);
});
after(async () => {
  await sim.close();
  removeTree(clean);
});

// ---- corruptions: each takes the file and the same file of the other symbol ----

/** `rand(lo, hi)`: an integer in [lo, hi) from the case's own seeded generator. */
type Rand = (lo: number, hi: number) => number;
type Corrupt = (file: string, other: string, randInt: Rand) => void;
const bytesOf = (f: string) => readFileSync(f);

const truncated: Corrupt = (f, _o, randInt) => writeFileSync(f, bytesOf(f).subarray(0, randInt(1, statSync(f).size)));
const empty: Corrupt = (f) => writeFileSync(f, '');
const otherSymbol: Corrupt = (f, other) => copyFileSync(other, f);
const flipIn = (from: (size: number) => number, to: (size: number) => number): Corrupt => (f, _o, randInt) => {
  const b = bytesOf(f);
  const at = randInt(from(b.length), to(b.length));
  b[at] ^= 1 << randInt(0, 8);
  writeFileSync(f, b);
};
/** A high bit in a JSON text: never ASCII any more, so never a valid number, key or bracket. */
const flipHighBit: Corrupt = (f, _o, randInt) => {
  const b = bytesOf(f);
  b[randInt(0, b.length)] ^= 0x80;
  writeFileSync(f, b);
};
const badMagic: Corrupt = (f) => {
  const b = bytesOf(f);
  b.write('JUNKJUNK', 0, 'latin1');
  writeFileSync(f, b);
};
/** A header (or index) from a future format: version 2, with its CRC recomputed so only the version is wrong. */
const futureVersion: Corrupt = (f) => {
  const b = bytesOf(f);
  b.writeUInt16LE(2, 8);
  b.writeUInt32LE(crc32(b.subarray(0, 60)), 60);
  writeFileSync(f, b);
};
/** A middle record's high and low swapped: still finite numbers, no longer a candle. */
const highBelowLow: Corrupt = (f) => {
  const b = bytesOf(f);
  const at = 64 + Math.floor((b.length - 64) / 128) * 64;
  const [h, l] = [b.readDoubleLE(at + 16), b.readDoubleLE(at + 24)];
  b.writeDoubleLE(l, at + 16);
  b.writeDoubleLE(h, at + 24);
  writeFileSync(f, b);
};
const wrongShape: Corrupt = (f) => writeFileSync(f, JSON.stringify({ status: 404, error: 'Not Found', message: 'unknown instrument', path: '/v1/x' }));
const htmlPage: Corrupt = (f) => writeFileSync(f, '<!DOCTYPE html><html><body>502 Bad Gateway</body></html>\n');

const BIN_CASES: [string, Corrupt][] = [
  ['truncated', truncated],
  ['bit flip in the header', flipIn(() => 0, () => 64)],
  ['empty', empty],
  ['bad magic', badMagic],
  ['future format version', futureVersion],
  ['other symbol', otherSymbol],
];
const STORE_CASES: [string, Corrupt][] = [
  ...BIN_CASES,
  ['bit flip in the last record', flipIn((n) => n - 64, (n) => n)],
  ['bit flip in a middle record', flipIn((n) => 64 + Math.floor((n - 64) / 128) * 64, (n) => 128 + Math.floor((n - 64) / 128) * 64)],
];
const INDEX_CASES: [string, Corrupt][] = [
  ['truncated', truncated],
  ['bit flip', flipIn(() => 0, (n) => n)],
  ['empty', empty],
  ['bad magic', badMagic],
  ['future format version', futureVersion],
  ['other symbol', otherSymbol],
];
const JSON_CASES: [string, Corrupt][] = [
  ['truncated', truncated],
  ['bit flip (high bit)', flipHighBit],
  ['empty', empty],
  ['wrong shape (an error body)', wrongShape],
  ['an HTML page', htmlPage],
  ['other symbol', otherSymbol],
];

interface Kind {
  name: string;
  /** Path of the file of `code` (EUR-USD) relative to the root. */
  path: (code: string) => string;
  cases: [string, Corrupt][];
  /** Commands that read the file back, in order (`run`, or the rebuild that rereads it when `run` does not). */
  triggers: string[][];
  /** The rebuild that recovers from a damaged file `run` accepted (flagged by verify). */
  rebuild: string;
}

// Files `run` does not reread are hit with the rebuild that does; with SOAK, a plain `run` goes first (it must
// neither notice nor spread them).
const RUN_FIRST: string[][] = SOAK ? [['run']] : [];

const KINDS: Kind[] = [
  { name: 'cache JSON', path: (c) => `cache/2026/04/${c}_${DAY}.json`, cases: JSON_CASES, triggers: [...RUN_FIRST, ['rebuild', 'full']], rebuild: 'full' },
  { name: 'live day JSON', path: (c) => `data/temp/${c}_${LIVE}.json`, cases: JSON_CASES, triggers: [['run']], rebuild: 'full' },
  {
    name: 'transform day file',
    path: (c) => `data/transform/1m/2026/04/${c}_${DAY}.bin`,
    cases: [...BIN_CASES, ["bit flip in a record's count/flags/origin", flipIn((n) => n - 8, (n) => n)], ["a record's high below its low", highBelowLow]],
    triggers: [...RUN_FIRST, ['rebuild', 'aggregate']],
    rebuild: 'aggregate',
  },
  { name: 'live day file', path: (c) => `data/temp/${c}_${LIVE}.bin`, cases: BIN_CASES, triggers: [...RUN_FIRST, ['rebuild', 'aggregate']], rebuild: 'aggregate' },
  { name: 'aggregate store', path: (c) => `data/aggregate/1m/${c}.bin`, cases: STORE_CASES, triggers: [['run']], rebuild: 'aggregate' },
  { name: 'aggregate index', path: (c) => `data/aggregate/1m/index/${c}.idx`, cases: INDEX_CASES, triggers: [['run']], rebuild: 'aggregate' },
  {
    name: `resampled ${TF} file`,
    path: (c) => `data/resample/${TF}/${c}.bin`,
    cases: STORE_CASES,
    triggers: [['run']],
    rebuild: 'resample',
  },
  { name: `resampled ${TF} index`, path: (c) => `data/resample/${TF}/index/${c}.idx`, cases: INDEX_CASES, triggers: [['run']], rebuild: 'resample' },
];

function cli(root: string, command: string[]): Promise<CliResult> {
  const extra = command[0] === 'run' ? ['--from', FROM] : [];
  return runCli([...command, '--root', root, '--now', NOW, ...extra]);
}

/**
 * Do what the ABORT line says — the rebuild it names — and if the same bad input stops that too, delete the
 * damaged file and whatever day file was made from it, then run again: the tree must end byte-identical to
 * the clean run (deleted cache days are downloaded again, deleted day files converted again).
 */
async function recover(root: string, kind: Kind, file: string, stem: string, abort: string, what: string): Promise<void> {
  const advice = /run `candlestore rebuild (\w+)`/.exec(abort)?.[1];
  const command = advice ? ['rebuild', advice] : kind.triggers.at(-1)!;
  if (advice) {
    const rb = await cli(root, command);
    if (rb.code === 0) {
      assert.deepEqual(treeDiff(root, clean), [], `${what}: the tree after \`${command.join(' ')}\` differs from the clean run`);
      return;
    }
    assert.equal(rb.code, 1, rb.stderr);
    assert.ok(abortLine(rb)?.[0].includes(stem), `${what}: rebuild ${advice} failed without naming the file:\n${rb.stderr}`);
  }
  rmSync(file, { force: true });
  for (const derived of [`data/transform/1m/2026/04/${stem}.bin`, `data/temp/${stem}.bin`]) rmSync(join(root, derived), { force: true });
  const again = await cli(root, command);
  assert.equal(again.code, 0, `${what}: \`${command.join(' ')}\` after deleting the bad file failed:\n${again.stderr}`);
  assert.deepEqual(treeDiff(root, clean), [], `${what}: the tree after recovery differs from the clean run`);
}

const abortLine = (r: CliResult) => /^ABORT! Critical error in (\w+): .*$/m.exec(r.stderr);

/** One corruption of one file kind, from corruption to a byte-identical tree. Returns the outcome. */
async function runCase(kind: Kind, label: string, corrupt: Corrupt, caseSeed: number, remedy: boolean): Promise<string> {
  const random = rng(caseSeed);
  const randInt: Rand = (lo, hi) => lo + Math.floor(random() * (hi - lo));
  // Either symbol may be hit; the other one's file is the "wrong symbol".
  const [code, otherCode] = random() < 0.5 ? ['EUR-USD', 'XAU-USD'] : ['XAU-USD', 'EUR-USD'];
  const root = copyTree(clean);
  try {
    const rel = kind.path(code);
    const file = join(root, rel);
    assert.ok(existsSync(file), `${rel} missing in the clean tree`);
    corrupt(file, join(root, kind.path(otherCode)), randInt);
    corrupted++;
    const what = `${kind.name} ${label} (${rel}, case seed ${caseSeed})`;
    const stem = basename(rel).replace(/\.\w+$/, ''); // EUR-USD_20260409 or EUR-USD: the file or one made from it
    const results: CliResult[] = [];
    let damageVisible = false;
    for (const command of kind.triggers) {
      const r = await cli(root, command);
      results.push(r);
      // The damaged file itself may show wrong bytes (the disk did that) as long as it is refused or flagged
      // below; wrong data in any other store means the damage spread: a silently wrong candle.
      const problems = visibleDataProblems(root, clean);
      const spread = problems.filter((p) => !p.startsWith(`${rel}:`));
      assert.deepEqual(spread, [], `${what}: wrong data reached another store after \`${command.join(' ')}\`\n${r.stderr}`);
      damageVisible ||= problems.length > 0;
      if (r.code !== 0) break;
    }
    const last = results.at(-1)!;
    if (last.code === 1) {
      const abort = abortLine(last);
      assert.ok(abort, `${what}: exit 1 without an ABORT line:\n${last.stderr}`);
      assert.ok(abort[0].includes(stem), `${what}: the ABORT line does not name the file:\n${abort[0]}`);
      if (remedy) await recover(root, kind, file, stem, abort[0], what);
      return `refused in ${abort[1]}`;
    }
    assert.equal(last.code, 0, `${what}: unexpected exit ${last.code}:\n${last.stderr}`);
    const diff = treeDiff(root, clean);
    if (diff.length === 0 && !damageVisible) return results.some((r) => /^repair: /m.test(r.stdout)) ? 'repaired (reported)' : 'repaired (file rebuilt)';
    // Accepted by run: only committed history run does not reread may be left, and verify must flag it.
    const v = await runCli(['verify', '--root', root]);
    assert.equal(v.code, 1, `${what}: SILENT — run accepted it, the tree differs from the clean run (${diff.join(', ')}) and verify passes\n${v.stdout}${v.stderr}`);
    assert.ok(v.stdout.includes(basename(rel)), `${what}: verify does not name the file:\n${v.stdout}${v.stderr}`);
    if (remedy) {
      const rb = await cli(root, ['rebuild', kind.rebuild]);
      assert.equal(rb.code, 0, rb.stderr);
      assert.deepEqual(treeDiff(root, clean), [], `${what}: rebuild ${kind.rebuild} did not restore the clean tree`);
    }
    return 'flagged by verify (run does not reread it)';
  } finally {
    removeTree(root);
  }
}

/** At most 3 cases at once across every file kind (each case is one to four CLI runs). */
let slots = 3;
const waiting: (() => void)[] = [];
async function limited<T>(work: () => Promise<T>): Promise<T> {
  if (slots > 0) slots--;
  else await new Promise<void>((r) => waiting.push(r));
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else slots++;
  }
}

// Without SOAK, header damage is covered by a flipped header bit and a future version (a valid CRC): the
// bad-magic and HTML-page variants run with SOAK only.
const SOAK_ONLY = new Set(['bad magic', 'an HTML page']);

describe('bad files on disk', { concurrency: true }, () => {
  for (const [k, kind] of KINDS.entries()) {
    test(`bad ${kind.name}: refused naming it, or repaired — never a silently wrong candle`, async () => {
      const reps = SOAK ? 4 : 1;
      const cases = kind.cases.filter(([label]) => SOAK || !SOAK_ONLY.has(label)).flatMap((c) => Array.from({ length: reps }, () => c));
      // Following the advice to a byte-identical tree costs runs: every case with SOAK, else every fifth.
      const results = await Promise.all(
        cases.map(([label, corrupt], i) => limited(() => runCase(kind, label, corrupt, seed * 1000 + k * 100 + i, SOAK || (i + k) % 5 === 0))),
      );
      for (const r of results) outcomes.set(r, (outcomes.get(r) ?? 0) + 1);
      console.log(`${kind.name}: ${cases.map(([label], i) => `${label}: ${results[i]}`).join('; ')}`);
    });
  }
});

test('counts', () => {
  const summary = [...outcomes].map(([k, n]) => `${k} ${n}`).join(', ');
  console.log(`files corrupted: ${corrupted} (${summary}) in ${secs(performance.now() - started)}; seed ${seed}`);
  assert.ok(corrupted > 0);
});

test('a valid value changed inside cache JSON or a day-file record: caught by its checksum, never a silently wrong candle', async () => {
  // One digit of a volume in a cache JSON (still valid JSON, still a candle) and the lowest mantissa bit of a
  // close in a transform day file (still a valid candle): only the cache MANIFEST and the day file's
  // body_crc can tell them from the real values.
  const outcomes: string[] = [];
  const cases: [string, string, string[], (b: Buffer) => void][] = [
    ['cache JSON: one digit of a volume', `cache/2026/04/EUR-USD_${DAY}.json`, ['rebuild', 'full'], (b) => {
      const text = b.toString('latin1');
      const at = text.indexOf('"volumes":[') + 11;
      const digit = text.slice(at).search(/[1-8]/) + at;
      b[digit] += 1;
    }],
    ['day file: lowest mantissa bit of a close strictly inside its low–high', `data/transform/1m/2026/04/EUR-USD_${DAY}.bin`, ['rebuild', 'aggregate'], (b) => {
      let at = 64 * 100;
      while (!(b.readDoubleLE(at + 24) < b.readDoubleLE(at + 32) && b.readDoubleLE(at + 32) < b.readDoubleLE(at + 16))) at += 64;
      b[at + 32] ^= 1;
    }],
  ];
  for (const [label, rel, command, change] of cases) {
    const root = copyTree(clean);
    try {
      const file = join(root, rel);
      const b = readFileSync(file);
      change(b);
      writeFileSync(file, b);
      const r = await cli(root, command);
      if (r.code === 1) {
        // Refused: the ABORT line names the file.
        assert.ok(abortLine(r)?.[0].includes(basename(rel)), `${label}: refused without naming ${rel}:\n${r.stderr}`);
        outcomes.push(`${label}: refused in ${abortLine(r)![1]}`);
        continue;
      }
      assert.equal(r.code, 0, `${label}: ${r.stderr}`);
      if (treeDiff(root, clean).length === 0) {
        outcomes.push(`${label}: repaired (converted again)`);
        continue;
      }
      // Accepted, and the tree differs: verify must flag it, naming the file.
      const v = await runCli(['verify', '--root', root]);
      assert.equal(v.code, 1, `${label}: SILENT — accepted, the tree differs and verify passes:\n${v.stdout}`);
      assert.ok(v.stdout.includes(basename(rel)), `${label}: verify does not name the file:\n${v.stdout}`);
      outcomes.push(`${label}: flagged by verify`);
    } finally {
      removeTree(root);
    }
  }
  console.log(`value changes in checksummed files: ${outcomes.join('; ')}`);
  assert.equal(outcomes.length, cases.length);
});
