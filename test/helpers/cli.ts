// Run the real CLI (bin/candlestore.js → dist/) as a child process, as a user would. Always async: tests
// keep `sim` in-process, and a blocking spawn would freeze the server the child talks to.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, readdirSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { maskGeneration } from './common.js';

export const BIN = new URL('../../bin/candlestore.js', import.meta.url).pathname;

/** `candlestore serve` running in a child process, as a user starts it. */
export interface ServeChild {
  child: ChildProcess;
  /** `http://127.0.0.1:PORT` from its start line. */
  base: string;
  /** Its standard error so far (the start line, then request logs with --verbose). */
  stderr(): string;
  /** SIGTERM, then its exit code (at once if it has exited already). */
  stop(): Promise<number | null>;
}

/** Start `candlestore serve ARGS` and wait for its start line (`… on http://127.0.0.1:PORT …`). */
export function spawnServe(args: string[]): Promise<ServeChild> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  // 'close', not 'exit': stderr is read to its end by then.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return new Promise<ServeChild>((resolve, reject) => {
    child.stderr!.on('data', (d) => {
      err += d;
      const m = / on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m && err.includes('\n')) resolve({ child, base: m[1], stderr: () => err, stop });
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * A fresh data root with config.yaml pointing at `baseUrl` and the given symbols. `start_date` is set (to the
 * day tests have always started at without `--from`): unset, a new symbol would start at its instrument's
 * first minute of data, years back.
 */
export function makeRoot(baseUrl: string, symbols: string[], extraYaml = '', startDate: string | null = '2026-01-01'): string {
  const root = mkdtempSync(join(tmpdir(), 'cs-root-'));
  const start = startDate === null ? '' : `  start_date: "${startDate}"\n`;
  writeFileSync(
    join(root, 'config.yaml'),
    `download:\n  base_url: ${baseUrl}\n${start}  rate_limit_rps: 1000\n  concurrency: 4\n  backoff_ms: 20\n  backoff_max_ms: 200\n  timeout_ms: 5000\n${extraYaml}`,
  );
  writeFileSync(join(root, 'symbols.txt'), `${symbols.join('\n')}\n`);
  return root;
}

/**
 * Every file under `dir` (relative path → bytes), skipping nothing: used for byte-identical comparisons, so
 * store generation ids are masked (see maskGeneration).
 */
export function snapshot(dir: string, filter: (rel: string) => boolean = () => true): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (filter(relative(dir, p))) out.set(relative(dir, p), maskGeneration(p, readFileSync(p)));
    }
  };
  walk(dir);
  return out;
}

export function listFiles(dir: string): string[] {
  try {
    return [...snapshot(dir).keys()].sort();
  } catch {
    return [];
  }
}
