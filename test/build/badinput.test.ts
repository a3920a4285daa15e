// `candlestore build` with bad arguments through the real CLI: each is exit 2 with a message naming the
// argument or path, and nothing is written; --force replaces and skips instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempRoot } from '../helpers/common.js';
import { useExportFixture, oracleSeries } from './helpers.js';

const fixture = useExportFixture();
const build = fixture.build;

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
    [['--select', 'EUR-USD/1h', '--output', join(fixture.root, 'data', 'x.parquet')], /--output .*data\/x\.parquet is inside .*data\/: exports must not be written among the stores/],
    [['--select', 'EUR-USD/1h', '--output-dir', join(fixture.root, 'cache', 'lake'), '--partition'], /--output-dir .*cache\/lake is inside .*cache\//],
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
  assert.ok(!existsSync(join(fixture.root, 'data', 'x.parquet')) && !existsSync(join(fixture.root, 'cache', 'lake')));

  // --force: replaces an existing output, and skips a selection that matches nothing with a warning.
  const r = await build(['--select', 'EUR-USD/1h', '--select', 'GBP-USD/1h', '--csv', '--output', existing, '--force']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: .*no symbol matches GBP-USD.*skipped: --force/);
  assert.equal(readFileSync(existing, 'latin1').split('\n').length, oracleSeries(fixture.root, 'EUR-USD', '1h').records.length + 2);
});

