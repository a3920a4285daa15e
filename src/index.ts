// The package's public API (`import { openStore } from 'candlestore'`): the typed reader of a root's stores.
// Everything else under src/ is internal to the CLI and may change without notice.
export { openStore, CandleStore, Series, BarChunk, BASE_TIMEFRAME, DEFAULT_CHUNK_BARS, fileSymbolOf, toSymbol, sortTimeframes } from './store/open.js';
export type { Bar, SeriesInfo, RangeQuery, OpenStoreOptions } from './store/open.js';
export type { RecordChunk } from './store/chunk.js';
export { FLAG_OPEN, RECORD_SIZE, RECORD_WORDS, W_OPEN, W_HIGH, W_LOW, W_CLOSE, W_VOLUME } from './store/format.js';
export { CandleError, CorruptFileError, NotFoundError } from './errors.js';
