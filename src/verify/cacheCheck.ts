// The raw cache against its checksums (store/cacheManifest.ts): every cached body of a symbol must match a
// line of its month's MANIFEST. Closed history is never downloaded again, so this is where a flipped bit in
// it is found (transform finds one only in a day it converts).
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { symbolFileName } from '../dukascopy/symbolCode.js';
import { CancelledError } from '../errors.js';
import type { Layout } from '../paths.js';
import { MANIFEST_NAME, matchesRecorded, readManifest, type Manifest } from '../store/cacheManifest.js';
import { dayFilePrefix, listTreeDayFiles } from '../util/dayFiles.js';
import type { FileSummary, Finding, VerifyReport } from './types.js';

const MAX_LISTED = 20;

/** One summary per symbol (kind `cache`, records = cached days). */
export async function verifyCache(layout: Layout, symbols: readonly string[], opts: { signal?: AbortSignal } = {}): Promise<VerifyReport> {
  const report: VerifyReport = { files: [], damage: [], warnings: [], gaps: [] };
  const manifests = new Map<string, Manifest>();
  const badManifests = new Set<string>();
  for (const symbol of symbols) {
    const code = symbolFileName(symbol);
    const summary: FileSummary = { kind: 'cache', symbol, timeframe: 'cache', file: layout.cacheDir, exists: false, records: 0, damage: 0, warnings: 0, gaps: 0 };
    report.files.push(summary);
    const add = (severity: Finding['severity'], check: string, file: string, message: string) => {
      summary[severity === 'damage' ? 'damage' : 'warnings']++;
      if (summary.damage + summary.warnings > MAX_LISTED) return;
      (severity === 'damage' ? report.damage : report.warnings).push({ severity, symbol, timeframe: 'cache', file, check, message });
    };
    let unrecorded = 0;
    for (const f of await listTreeDayFiles(layout.cacheDir, 'json', { prefix: dayFilePrefix(code) })) {
      if (f.code !== code) continue;
      if (opts.signal?.aborted) throw new CancelledError('Verify');
      summary.exists = true;
      summary.records++;
      summary.firstTs ??= f.day;
      summary.lastTs = f.day;
      const dir = dirname(f.path);
      let manifest = manifests.get(dir);
      if (!manifest) manifests.set(dir, (manifest = readManifest(dir)));
      const manifestFile = join(dir, MANIFEST_NAME);
      if (manifest.badLines > 0 && !badManifests.has(manifestFile)) {
        badManifests.add(manifestFile);
        add('damage', 'manifest', manifestFile, `${manifestFile}: ${manifest.badLines} line(s) damaged (not well formed or failing their line_crc)`);
      }
      const ok = matchesRecorded(readFileSync(f.path), manifest.entries.get(basename(f.path)));
      if (ok === undefined) unrecorded++;
      else if (!ok) add('damage', 'cache', f.path, `${f.path} does not match its checksum in ${manifestFile} (changed on disk since it was downloaded): delete it (and its day file) and run \`candlestore rebuild full\` to download it again`);
    }
    if (unrecorded > 0) add('warning', 'cache', layout.cacheDir, `${unrecorded} cached day(s) have no checksum in their MANIFEST (downloaded by a version without cache checksums): not checked`);
  }
  return report;
}
