// `candlestore build` failing safely through the real CLI: SIGKILL mid-build, every bad argument with its
// exit code and message, an I/O failure while writing; never a file under an output name that is not whole.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { SimServer } from '../../src/sim/server.js';
import { BIN, runCli } from '../helpers/cli.js';
import { tempRoot } from '../helpers/common.js';
import { CODES, exportFixture, oracleSeries, timeframesOnDisk } from './helpers.js';

let sim: SimServer;
let root: string;

before(async () => {
  ({ sim, root } = await exportFixture({ from: '2025-12-29', now: '2026-01-02T15:07:30Z' }));
});
after(async () => {
  await sim.close();
  rmSync(root, { recursive: true, force: true });
});

const build = (args: string[], r = root) => runCli(['build', '--root', r, ...args]);

function totalRows(): number {
  return CODES.reduce((n, code) => n + timeframesOnDisk(root, code).reduce((m, tf) => m + oracleSeries(root, code, tf).records.length, 0), 0);
}

test('SIGKILL during a build leaves no file under an output name; the next build cleans up and completes', async (t) => {
  const dir = await tempRoot(t);
  const target = join(dir, 'big.csv.gz');
  for (let round = 0; round < 3; round++) {
    const child = spawn(process.execPath, [BIN, 'build', '--root', root, '--select', '*/*', '--csv', '--compression', 'gzip', '--output', target], { stdio: 'ignore' });
    // Kill as soon as the temp file exists (the build is writing), or after 5 s at most.
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !readdirSync(dir).some((n) => n.endsWith('.tmp'))) await new Promise((res) => setTimeout(res, 2));
    child.kill('SIGKILL');
    await new Promise((res) => child.once('close', res));
    assert.ok(!existsSync(target), `round ${round}: ${target} exists after SIGKILL`);
    assert.ok(readdirSync(dir).every((n) => n.startsWith('.') && n.endsWith('.tmp')), readdirSync(dir).join(', '));
  }
  const r = await build(['--select', '*/*', '--csv', '--compression', 'gzip', '--output', target]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(dir), ['big.csv.gz'], 'stale temps removed');
  assert.equal(gunzipSync(readFileSync(target)).toString('latin1').trimEnd().split('\n').length, totalRows() + 1);
});

test('bad input: exit 2 with a message naming the argument or path; nothing written', async (t) => {
  const dir = await tempRoot(t);
  const out = join(dir, 'x.parquet');
  const existing = join(dir, 'existing.csv');
  writeFileSync(existing, 'keep me\n');
  const aFile = join(dir, 'a-file');
  writeFileSync(aFile, '');
  const cases: [string[], RegExp][] = [
    [['--select', 'EUR-USD/1h', '--output', out, '--after', '2026-01-02', '--until', '2026-01-01'], /--after 2026-01-02 is not before --until 2026-01-01/],
    [['--select', 'EUR-USD/1h', '--output', out, '--after', '2026-13-01'], /--after "2026-13-01": no such date/],
    [['--select', 'EUR-USD/1h', '--output', out, '--until', 'yesterday'], /--until "yesterday": not a time/],
    [['--select', 'EUR-USD/1h', '--output', out, '--after', '2026-01-01T10:00:00+02:00'], /zone offset is not accepted/],
    [['--select', 'EUR-USD/1h', '--output-dir', dir, '--mt4', '--parquet'], /--mt4 .* cannot be combined with --parquet/],
    [['--select', 'EUR-USD/1h', '--output-dir', dir, '--mt4', '--partition'], /--mt4 .* cannot be combined with --partition/],
    [['--select', 'EUR-USD/1h', '--output', out, '--partition'], /--partition needs --output-dir/],
    [['--select', 'EUR-USD/1h', '--output-dir', dir, '--incremental'], /--incremental needs --output-dir DIR --partition/],
    [['--select', 'EUR-USD/1h', '--csv', '--output', existing], new RegExp(`${existing.replaceAll('/', '\\/')} exists.*--force`)],
    [['--select', 'EUR-USD/1h', '--output', join(root, 'data', 'x.parquet')], /--output .*data\/x\.parquet is inside .*data\/: exports must not be written among the stores/],
    [['--select', 'EUR-USD/1h', '--output-dir', join(root, 'cache', 'lake'), '--partition'], /--output-dir .*cache\/lake is inside .*cache\//],
    [['--select', 'EUR-USD/1h', '--output', join(aFile, 'x.parquet')], /--output .*a-file\/x\.parquet: cannot write to .*a-file \(E(NOTDIR|EXIST)\)/],
    [['--select', 'GBP-USD/1h', '--output', out], /no symbol matches GBP-USD; available: AUS\.IDX-AUD, BTC-USD, EUR-USD/],
    [['--select', 'EUR-USD/2h', '--output', out], /EUR-USD has no 2h store; available: 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1W, 1M, 1Y/],
    [['--select', 'EUR-USD:lastonly/1h', '--output', out], /unknown modifier "lastonly"/],
    [['--select', 'EUR-USD', '--output', out], /no "\/" between symbol and timeframes/],
    [['--select', 'EUR-USD/1h', '--output', out, '--compression', 'lz4'], /--compression lz4: want one of zstd, snappy, gzip, brotli, none/],
    [['--select', 'EUR-USD/1h', '--csv', '--output', out, '--compression', 'zstd'], /--compression zstd is for Parquet; CSV takes gzip/],
    [['--output', out], /nothing selected/],
    [['--select', 'EUR-USD/1h'], /--output FILE .* or --output-dir DIR/],
  ];
  // Four CLIs at a time: none of these cases writes anything, so they cannot disturb each other.
  for (let i = 0; i < cases.length; i += 4) {
    const batch = cases.slice(i, i + 4);
    const results = await Promise.all(batch.map(([args]) => build(args)));
    batch.forEach(([args, message], k) => {
      const r = results[k];
      assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code} ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.doesNotMatch(r.stderr, /ABORT/);
    });
  }
  assert.ok(!existsSync(out));
  assert.equal(readFileSync(existing, 'utf8'), 'keep me\n');
  assert.deepEqual(readdirSync(dir).sort(), ['a-file', 'existing.csv']);
  assert.ok(!existsSync(join(root, 'data', 'x.parquet')) && !existsSync(join(root, 'cache', 'lake')));

  // --force: replaces an existing output, and skips a selection that matches nothing with a warning.
  const r = await build(['--select', 'EUR-USD/1h', '--select', 'GBP-USD/1h', '--csv', '--output', existing, '--force']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: .*no symbol matches GBP-USD.*skipped: --force/);
  assert.equal(readFileSync(existing, 'latin1').split('\n').length, oracleSeries(root, 'EUR-USD', '1h').records.length + 2);
});

test('an I/O failure while writing is exit 1 with ABORT in Build, and leaves nothing under the output name', async (t) => {
  const dir = await tempRoot(t);
  mkdirSync(join(dir, 'lake'));
  const target = join(dir, 'out.csv');
  // ulimit -f: the kernel stops the writes past 64 KiB (SIGXFSZ ignored, so write fails with EFBIG).
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn('bash', ['-c', `trap '' XFSZ; ulimit -f 64; exec "${process.execPath}" "${BIN}" build --root "${root}" --select '*/1m' --csv --output "${target}"`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr }));
  });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^ABORT! Critical error in Build: cannot write .*out\.csv: .*EFBIG/m);
  assert.deepEqual(readdirSync(dir), ['lake']);
});
