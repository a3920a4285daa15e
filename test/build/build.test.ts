// `candlestore build` through the real CLI on a root made by `run` against sim (3 symbols over a year end):
// DuckDB and hyparquet read every kind of output and every row equals the store read independently;
// MT4 lines, skiplast, time ranges, dry runs, (incremental exports: incremental.test.ts, failures: safety.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { snapshot } from '../helpers/cli.js';
import { tempRoot } from '../helpers/common.js';
import { CODES, provisionalTails, useExportFixture, oracleSeries, timeframesOnDisk, timeText } from './helpers.js';
import { duckCandles, duckRows, hyparquetRows, hyparquetTime, rowOf, type Row } from './readers.js';

const ORDER = ['1m', '5m', '15m', '30m', '1h', '4h', '1d', '1W', '1M', '1Y'];
const SORTED_CODES = [...CODES].sort();
const fixture = useExportFixture();
const build = fixture.build;

/** Every committed row of the given series, in export order (symbol, timeframe shortest first, time). */
function expectedRows(r: string, codes = SORTED_CODES, tfs?: string[], filter: (row: Row) => boolean = () => true): Row[] {
  const out: Row[] = [];
  for (const code of codes) {
    const present = timeframesOnDisk(r, code).sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
    for (const tf of present.filter((t) => !tfs || tfs.includes(t))) {
      out.push(...oracleSeries(r, code, tf).records.map((rec) => rowOf(code, tf, rec)).filter(filter));
    }
  }
  return out;
}

test('one Parquet file of everything: DuckDB and hyparquet read the rows of the stores, sorted, typed, with metadata', async (t) => {
  const dir = await tempRoot(t);
  const file = join(dir, 'all.parquet');
  const r = await build(['--select', '*/*', '--output', file]);
  assert.equal(r.code, 0, r.stderr);
  const want = expectedRows(fixture.root);
  assert.ok(want.length > 10_000, `${want.length} rows`);
  assert.deepEqual(await duckCandles(`'${file}'`), want);
  const types = Object.fromEntries((await duckRows(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '${file}')`)).map((x) => [x.column_name, x.column_type]));
  assert.deepEqual(types, { symbol: 'VARCHAR', timeframe: 'VARCHAR', time: 'TIMESTAMP WITH TIME ZONE', open: 'DOUBLE', high: 'DOUBLE', low: 'DOUBLE', close: 'DOUBLE', volume: 'DOUBLE' });
  const meta = await duckRows(`SELECT row_group_id, path_in_schema, encodings, compression, stats_min_value, stats_max_value, num_values FROM parquet_metadata('${file}')`);
  assert.ok(meta.every((m) => m.compression === 'ZSTD'));
  assert.ok(meta.filter((m) => m.path_in_schema === 'time').every((m) => m.encodings === 'DELTA_BINARY_PACKED' && m.stats_min_value !== null && Number(m.num_values) <= 1_000_000));
  assert.ok(meta.filter((m) => m.path_in_schema === 'symbol').every((m) => String(m.encodings).includes('RLE_DICTIONARY') && m.stats_min_value === m.stats_max_value), 'one series per row group');
  const kv = Object.fromEntries((await duckRows(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${file}')`)).map((x) => [x.k, x.v]));
  assert.equal(kv['candlestore.time_basis'], 'UTC');
  assert.match(String(kv['candlestore.version']), /^\d+\.\d+\.\d+/);
  const series = JSON.parse(String(kv['candlestore.series'])) as { symbol: string; timeframe: string; to_pos: number }[];
  assert.equal(series.find((s) => s.symbol === 'EUR-USD' && s.timeframe === '1m')!.to_pos, 64 + 64 * oracleSeries(fixture.root, 'EUR-USD', '1m').records.length);

  const hy = await hyparquetRows(file);
  assert.deepEqual(hy.map((x) => ({ symbol: x.symbol, timeframe: x.timeframe, time: hyparquetTime(x.time), open: x.open, high: x.high, low: x.low, close: x.close, volume: x.volume })), want);
});

test('Hive-partitioned Parquet: timeframe=/symbol=/year= folders split at the year end, read back with hive_partitioning', async (t) => {
  const dir = join(await tempRoot(t), 'lake');
  const r = await build(['--select', 'EUR-USD/1h,1d', '--select', 'BTC-USD/*', '--output-dir', dir, '--partition', '--compression', 'snappy']);
  assert.equal(r.code, 0, r.stderr);
  const files = [...snapshot(dir).keys()].sort();
  assert.ok(files.includes('timeframe=1h/symbol=EUR-USD/year=2025/data.parquet') && files.includes('timeframe=1h/symbol=EUR-USD/year=2026/data.parquet'), files.join('\n'));
  assert.ok(files.every((f) => /^timeframe=[0-9A-Za-z]+\/symbol=[A-Z.]+-[A-Z]+\/year=\d{4}\/data\.parquet$/.test(f)));
  const got = await duckCandles(`read_parquet('${dir}/**/*.parquet', hive_partitioning = true) ORDER BY symbol, timeframe, time`);
  const want = [...expectedRows(fixture.root, ['BTC-USD']), ...expectedRows(fixture.root, ['EUR-USD'], ['1h', '1d'])]
    .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.timeframe < b.timeframe ? -1 : a.timeframe > b.timeframe ? 1 : a.time - b.time));
  assert.deepEqual(got, want);
  const years = await duckRows(`SELECT DISTINCT year, year(time) AS y FROM read_parquet('${dir}/**/*.parquet', hive_partitioning = true)`);
  assert.ok(years.every((x) => Number(x.year) === Number(x.y)), 'each row in the partition of its year');
  // The partition files leave out what the path says; hyparquet reads one.
  const one = await hyparquetRows(join(dir, 'timeframe=1d/symbol=EUR-USD/year=2026/data.parquet'));
  assert.deepEqual(Object.keys(one[0]), ['time', 'open', 'high', 'low', 'close', 'volume']);
  assert.deepEqual(one.map((x) => hyparquetTime(x.time)), oracleSeries(fixture.root, 'EUR-USD', '1d').records.filter((x) => x.ts >= Date.UTC(2026, 0, 1)).map((x) => x.ts));
});

test('CSV and gzip CSV: read_csv gets the stores\' rows; prices are printed with the store\'s decimals', async (t) => {
  const dir = await tempRoot(t);
  for (const [name, extra] of [['all.csv', []], ['all.csv.gz', ['--compression', 'gzip']]] as const) {
    const file = join(dir, name);
    const r = await build(['--select', '*/1m,1h,1M', '--csv', '--output', file, ...extra]);
    assert.equal(r.code, 0, r.stderr);
    const want = expectedRows(fixture.root, SORTED_CODES, ['1m', '1h', '1M']);
    assert.deepEqual(await duckCandles(`read_csv('${file}', types = {'time': 'TIMESTAMP'})`), want, name);
    const text = name.endsWith('.gz') ? gunzipSync(readFileSync(file)).toString('latin1') : readFileSync(file, 'latin1');
    const lines = text.trimEnd().split('\n');
    assert.equal(lines[0], 'symbol,timeframe,time,open,high,low,close,volume');
    assert.equal(lines.length, want.length + 1);
    const decimals = Object.fromEntries(CODES.map((c) => [c, oracleSeries(fixture.root, c, '1m').decimals]));
    for (let i = 0; i < want.length; i += 7) {
      const w = want[i];
      const d = decimals[w.symbol];
      assert.equal(lines[i + 1], [w.symbol, w.timeframe, timeText(w.time), w.open.toFixed(d), w.high.toFixed(d), w.low.toFixed(d), w.close.toFixed(d), String(w.volume)].join(','));
    }
    for (const line of lines.slice(1)) {
      const f = line.split(',');
      const prices = new RegExp(`^\\d+\\.\\d{${decimals[f[0]]}}$`);
      assert.ok(f.slice(3, 7).every((x) => prices.test(x)), `prices of ${line} have exactly the store's decimals`);
    }
  }
});

test('MT4: one headerless file per symbol and timeframe, lines as MetaTrader imports them', async (t) => {
  const dir = join(await tempRoot(t), 'mt4');
  const r = await build(['--select', 'EUR-USD/1h,1d', '--mt4', '--output-dir', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(dir).sort(), ['EUR-USD_1d.csv', 'EUR-USD_1h.csv']);
  const lines = readFileSync(join(dir, 'EUR-USD_1h.csv'), 'latin1').trimEnd().split('\n');
  const bars = oracleSeries(fixture.root, 'EUR-USD', '1h');
  assert.equal(lines.length, bars.records.length);
  // Hand-written from the MetaTrader format: YYYY.MM.DD,HH:MM,open,high,low,close,volume.
  for (const i of [0, 1, 17, bars.records.length - 1]) {
    const b = bars.records[i];
    const d = new Date(b.ts);
    const p = (n: number) => String(n).padStart(2, '0');
    const expected = `${d.getUTCFullYear()}.${p(d.getUTCMonth() + 1)}.${p(d.getUTCDate())},${p(d.getUTCHours())}:${p(d.getUTCMinutes())},${b.o.toFixed(5)},${b.h.toFixed(5)},${b.l.toFixed(5)},${b.c.toFixed(5)},${b.v}`;
    assert.equal(lines[i], expected);
  }
  assert.match(lines[0], /^2025\.12\.29,00:00,1\.\d{5},1\.\d{5},1\.\d{5},1\.\d{5},[\d.]+$/);
});

test('skiplast drops exactly the open bar; --after/--until select by the store\'s time in every form', async (t) => {
  const copy = await tempRoot(t);
  cpSync(fixture.root, copy, { recursive: true });
  assert.ok(provisionalTails(copy) > 0);
  const dir = await tempRoot(t);
  const all = join(dir, 'all.parquet');
  const skip = join(dir, 'skip.parquet');
  const [r0, r] = await Promise.all([build(['--select', 'BTC-USD/*', '--output', all], copy), build(['--select', 'BTC-USD:skiplast/*', '--output', skip], copy)]);
  assert.equal(r0.code, 0, r0.stderr);
  assert.equal(r.code, 0, r.stderr);
  const full = await duckCandles(`'${all}'`);
  const kept = await duckCandles(`'${skip}'`);
  const dropped = full.filter((x) => !kept.some((k) => k.timeframe === x.timeframe && k.time === x.time));
  const open = ORDER.slice(1).map((tf) => oracleSeries(copy, 'BTC-USD', tf).records.at(-1)!).filter((x) => x.flags & 1);
  assert.equal(open.length, 9, 'every resampled timeframe ends with its open bar');
  assert.deepEqual(dropped.map((x) => x.time).sort(), open.map((x) => x.ts).sort());
  assert.equal(kept.length, full.length - 9);

  const rows1m = expectedRows(fixture.root, ['EUR-USD'], ['1m']);
  const a = Date.UTC(2025, 11, 30, 10, 0);
  const u = Date.UTC(2025, 11, 31);
  const forms = [['2025-12-30 10:00', '2025-12-31'], ['2025-12-30T10:00:00Z', '2025-12-31 00:00:00'], [String(a), String(u)]];
  const outs = forms.map((_, k) => join(dir, `range-${k}.csv`));
  const results = await Promise.all(forms.map(([after, until], k) => build(['--select', 'EUR-USD/1m', '--csv', '--output', outs[k], '--after', after, '--until', until])));
  for (let k = 0; k < forms.length; k++) {
    assert.equal(results[k].code, 0, results[k].stderr);
    assert.deepEqual(await duckCandles(`read_csv('${outs[k]}', types = {'time': 'TIMESTAMP'})`), rows1m.filter((x) => x.time >= a && x.time < u), forms[k].join(' .. '));
  }
});

test('--dry-run prints files, rows and sizes and writes nothing', async (t) => {
  const dir = join(await tempRoot(t), 'lake');
  const r = await build(['--select', '*/1h', '--output-dir', dir, '--partition', '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!existsSync(dir));
  const total = expectedRows(fixture.root, SORTED_CODES, ['1h']).length;
  assert.match(r.stdout, new RegExp(`dry run: \\d+ files to write, ${total.toLocaleString('en-US')} rows`));
  assert.match(r.stdout, /timeframe=1h\/symbol=EUR-USD\/year=2025\/data\.parquet {2}\d+ rows {2}≈/);
});


