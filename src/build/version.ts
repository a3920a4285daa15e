// The package version written into exports (Parquet metadata, manifests): read from package.json, which sits
// two levels above this module both in src/build (tsx) and in dist/build (compiled).
import { readFileSync } from 'node:fs';

export const CANDLESTORE_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
