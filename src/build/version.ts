// The package version written into exports (Parquet metadata, manifests), read from the package's own
// package.json: the nearest one above this module named `candlestore` (src/build under tsx, dist/build when
// compiled, bench/dist/src/build in the bench build).
import { readFileSync } from 'node:fs';

function findVersion(): string {
  for (let up = '../../'; up.length <= 5 * 3 + 3; up += '../') {
    try {
      const pkg = JSON.parse(readFileSync(new URL(`${up}package.json`, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'candlestore' && pkg.version) return pkg.version;
    } catch {
      // not here: one level up
    }
  }
  throw new Error('candlestore: package.json not found above src/build/version');
}

export const CANDLESTORE_VERSION: string = findVersion();
