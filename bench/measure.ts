// Measuring tools: medians and percentiles, child processes timed from spawn to exit with their peak RSS
// (GNU time when installed, else what the child reports), the OS page cache, and a description of the
// machine. Nothing here knows what is being measured.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Nearest-rank percentile of an ascending array, p in (0, 100]. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Seconds `fn` takes. */
export async function seconds(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

const GNU_TIME = '/usr/bin/time';
export const HAS_GNU_TIME = existsSync(GNU_TIME);

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Spawn to exit, as the parent saw it. */
  wallSeconds: number;
  /** Peak RSS in KiB: GNU time's "Maximum resident set size", else undefined. */
  maxRssKb: number | undefined;
}

/** Run `node args…` (under GNU time -v when installed) and collect everything it printed. */
export function runNode(args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timed?: boolean } = {}): Promise<ChildResult> {
  const wrap = opts.timed !== false && HAS_GNU_TIME;
  const cmd = wrap ? GNU_TIME : process.execPath;
  const argv = wrap ? ['-v', process.execPath, ...args] : [...args];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallSeconds = (performance.now() - t0) / 1000;
      let maxRssKb: number | undefined;
      if (wrap) {
        const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
        if (m) maxRssKb = Number(m[1]);
        // GNU time's report is not the child's own output.
        stderr = stderr.replace(/\n?\tCommand being timed:[\s\S]*$/, '');
      }
      resolve({ code, stdout, stderr, wallSeconds, maxRssKb });
    });
  });
}

/** The JSON a bench child prints on its last `BENCH-RESULT ` line. */
export function childResult<T>(r: ChildResult, what: string): T {
  const line = r.stdout.split('\n').reverse().find((l) => l.startsWith('BENCH-RESULT '));
  if (r.code !== 0 || !line) throw new Error(`${what} failed (exit ${r.code}):\n${r.stderr.trim() || r.stdout.trim()}`);
  return JSON.parse(line.slice('BENCH-RESULT '.length)) as T;
}

let dropCachesWorks: boolean | undefined;

/** sync, then drop the page cache (needs root). false when not permitted: the figures are then warm-cache only. */
export function dropPageCache(): boolean {
  if (dropCachesWorks === false) return false;
  try {
    execFileSync('sync');
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    dropCachesWorks = true;
  } catch {
    dropCachesWorks = false;
  }
  return dropCachesWorks;
}

/**
 * Read every file under `dir` once (into one reused buffer), so the runs that follow find it in the page
 * cache: after a section dropped the cache, later sections would otherwise pay for the disk.
 */
export function warmFiles(dir: string): void {
  const buf = Buffer.allocUnsafeSlow(4 * 1024 * 1024);
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const fd = openSync(join(e.parentPath, e.name), 'r');
    try {
      while (readSync(fd, buf, 0, buf.length, null) > 0);
    } finally {
      closeSync(fd);
    }
  }
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  v8: string;
  platform: string;
  loadAvgAtStart: number[];
  freeMemoryGiB: number;
  gnuTime: boolean;
}

export function describeMachine(): Machine {
  const c = cpus();
  return {
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform}-${process.arch}`,
    loadAvgAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    gnuTime: HAS_GNU_TIME,
  };
}
