// Third-party readers of the exported files, as the tests use them: DuckDB (the engine users query with)
// and hyparquet (a second, independent Parquet decoder). Rows come back in one shape to compare with the
// independent store reader: time as epoch ms, OHLCV as doubles.
import { readFileSync } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { parquetReadObjects } from 'hyparquet';
import * as zstd from '@bokuweb/zstd-wasm';
import type { BinRecord } from '../helpers/independent.js';

export interface Row {
  symbol: string;
  timeframe: string;
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

let connection: DuckDBConnection | undefined;

export async function duck(): Promise<DuckDBConnection> {
  if (!connection) connection = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
  return connection;
}

export async function duckRows(sql: string): Promise<Record<string, unknown>[]> {
  return (await (await duck()).runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}

/** DuckDB's reading of `from` (a table expression) in the common row shape, in file order. */
export async function duckCandles(from: string, timeExpr = 'epoch_ms(time)'): Promise<Row[]> {
  const rows = await duckRows(`SELECT symbol::VARCHAR AS symbol, timeframe::VARCHAR AS timeframe, ${timeExpr}::DOUBLE AS t, open, high, low, close, volume FROM ${from}`);
  return rows.map((r) => ({ symbol: r.symbol as string, timeframe: r.timeframe as string, time: r.t as number, open: r.open as number, high: r.high as number, low: r.low as number, close: r.close as number, volume: r.volume as number }));
}

let zstdReady: Promise<void> | undefined;

/** hyparquet's reading of one Parquet file (zstd through the same WebAssembly zstd the writer uses). */
export async function hyparquetRows(file: string): Promise<Record<string, unknown>[]> {
  zstdReady ??= zstd.init();
  await zstdReady;
  const buf = readFileSync(file);
  const arrayBuffer = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  return parquetReadObjects({ file: arrayBuffer, compressors: { ZSTD: (input: Uint8Array) => zstd.decompress(input) } }) as Promise<Record<string, unknown>[]>;
}

export function hyparquetTime(v: unknown): number {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'bigint') return Number(v);
  return v as number;
}

export function rowOf(symbol: string, timeframe: string, r: BinRecord): Row {
  return { symbol, timeframe, time: r.ts, open: r.o, high: r.h, low: r.l, close: r.c, volume: r.v };
}
