// The CLI as it ships: `npm run build` bundles it (scripts/bundle.mjs → dist/cli.mjs, one entry per worker
// module, shared chunks) and bin/candlestore.js loads the bundle. Here: a bundle built fresh into an empty
// folder answers --version and --help on its own; the path of `--version` loads none of the heavy packages;
// and the bundled worker entries do a real threaded run that ends byte-identical to the same run inline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { rm } from 'node:fs/promises';
import { tempRoot } from '../helpers/common.js';
import { makeRoot, snapshot } from '../helpers/cli.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PKG = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
const COMMANDS = ['run', 'rebuild', 'sim', 'verify', 'build', 'show', 'serve', 'demo'];
/** Packages the `--version`/`--help` path must not load (they belong to commands). */
const HEAVY = ['zod', 'yaml', 'hono', '@hono', '@asteasolutions', 'undici', 'piscina', 'hyparquet-writer', 'cli-progress'];

/** A package folder holding only bin/, a fresh bundle in dist/, package.json and a link to node_modules. */
async function freshPackage(): Promise<string> {
  const pkg = await tempRoot(undefined, 'candlestore-bundle-');
  // Nothing but the bundle: no tsc output for it to lean on (a worker module missing from the bundle would
  // otherwise be found in tsc's dist/ and go unnoticed).
  mkdirSync(join(pkg, 'bin'));
  copyFileSync(join(REPO, 'bin', 'candlestore.js'), join(pkg, 'bin', 'candlestore.js'));
  copyFileSync(join(REPO, 'package.json'), join(pkg, 'package.json'));
  symlinkSync(join(REPO, 'node_modules'), join(pkg, 'node_modules'));
  execFileSync(process.execPath, [join(REPO, 'scripts', 'bundle.mjs'), '--outdir', join(pkg, 'dist')], { stdio: 'pipe' });
  return pkg;
}

const NOW = '2026-06-20T12:00:00Z';
let pkg: string;
let sim: SimServer;
before(async () => {
  pkg = await freshPackage();
  sim = await startSim({ host: '127.0.0.1', port: 0, seed: 11, now: () => Date.parse(NOW) });
});
after(async () => {
  await sim.close();
  await rm(pkg, { recursive: true, force: true });
});

/** The fresh package's CLI in a child process (async: `sim` runs in this process). */
function runFresh(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(pkg, 'bin', 'candlestore.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('a fresh bundle answers --version and --help by itself, and a usage error exits 2', () => {
  const bin = join(pkg, 'bin', 'candlestore.js');
  for (const f of readdirSync(join(pkg, 'dist'), { recursive: true, withFileTypes: true })) if (f.isFile()) assert.match(f.name, /\.mjs(\.map)?$/, f.name);
  const version = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
  assert.equal(version.status, 0, version.stderr);
  assert.equal(version.stdout.trim(), PKG.version);
  const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  for (const c of COMMANDS) assert.match(help.stdout, new RegExp(`^\\s+${c}\\b`, 'm'), `--help lists ${c}`);
  const runHelp = spawnSync(process.execPath, [bin, 'run', '--help'], { encoding: 'utf8' });
  assert.equal(runHelp.status, 0, runHelp.stderr);
  assert.match(runHelp.stdout, /--no-download/);
  const bad = spawnSync(process.execPath, [bin, 'no-such-command'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown command 'no-such-command'/);
});

test('the modules --version loads hold no heavy package: they are split off into the chunks of their commands', () => {
  const dist = join(pkg, 'dist');
  // The static import graph of cli.mjs (what any invocation parses before commander runs).
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(join(dist, file), 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s*["']\.\/([\w.-]+\.mjs)["']/gm)) visit(m[1]);
    for (const m of text.matchAll(/^import\s*["']\.\/([\w.-]+\.mjs)["']/gm)) visit(m[1]);
  };
  visit('cli.mjs');
  assert.ok(seen.size >= 2, `cli.mjs imports its shared chunks (${[...seen].join(', ')})`);
  const allChunks = readdirSync(dist).filter((f) => f.endsWith('.mjs'));
  assert.ok(allChunks.length > seen.size, 'the commands live in chunks of their own');
  for (const file of seen) {
    const text = readFileSync(join(dist, file), 'utf8');
    for (const name of HEAVY) {
      // esbuild names every bundled module's path in a comment; external packages appear as import specifiers.
      assert.doesNotMatch(text, new RegExp(`node_modules/${name}/|from\\s*["']${name}["'/]`), `${file} (loaded by --version) holds ${name}`);
    }
  }
  // And the negative control: the heavy packages are in the bundle, just not on that path.
  const everything = allChunks.map((f) => readFileSync(join(dist, f), 'utf8')).join('\n');
  assert.match(everything, /node_modules\/zod\//);
  assert.match(everything, /node_modules\/yaml\//);
});

// 385 days: enough day tasks for the transform's worker threads (≥ 385 days with workers: 2).
const FROM = '2025-05-31';

test('a threaded run in the bundled worker entries ends byte-identical to the same run inline', async () => {
  const threaded = makeRoot(sim.url, ['EUR/USD'], 'workers: 2\n');
  const r = await runFresh(['run', '--root', threaded, '--from', FROM, '--now', NOW]);
  assert.equal(r.code, 0, r.stderr);
  const transformed = /Transform\s+[\d.]+s\s+([\d,]+) days/.exec(r.stdout);
  assert.ok(transformed && Number(transformed[1].replace(/,/g, '')) >= 385, r.stdout);
  // The same cache, everything inline (one worker: no thread is started).
  const inline = makeRoot(sim.url, ['EUR/USD'], 'workers: 1\n');
  cpSync(join(threaded, 'cache'), join(inline, 'cache'), { recursive: true });
  // The live day's JSON lives in data/temp (docs/format.md), not in the cache.
  mkdirSync(join(inline, 'data', 'temp'), { recursive: true });
  for (const f of readdirSync(join(threaded, 'data', 'temp'))) if (f.endsWith('.json')) copyFileSync(join(threaded, 'data', 'temp', f), join(inline, 'data', 'temp', f));
  const r2 = await runFresh(['run', '--root', inline, '--from', FROM, '--now', NOW, '--no-download']);
  assert.equal(r2.code, 0, r2.stderr);
  const a = snapshot(join(threaded, 'data'), (rel) => !rel.startsWith('locks'));
  const b = snapshot(join(inline, 'data'), (rel) => !rel.startsWith('locks'));
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  assert.ok(a.size > 385);
  for (const [rel, bytes] of a) assert.ok(bytes.equals(b.get(rel)!), `${rel} differs between the threaded and the inline run`);
});

test('every worker module of src/ has a bundled entry that loads in a worker thread, as the pool starts it', async () => {
  const workers: string[] = [];
  for (const dir of readdirSync(join(REPO, 'src'), { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(join(REPO, 'src', dir.name))) if (/^(worker|\w+Worker)\.ts$/.test(f)) workers.push(`${dir.name}/${f.replace(/\.ts$/, '.mjs')}`);
  }
  assert.ok(workers.length >= 5, workers.join(', '));
  const { Piscina } = await import('piscina');
  for (const w of workers) {
    const file = join(pkg, 'dist', w);
    assert.ok(existsSync(file), `dist/${w}`);
    const pool = new Piscina({ filename: pathToFileURL(file).href, minThreads: 1, maxThreads: 1 });
    try {
      // The stage workers take a list of tasks: an empty one is a real call that does nothing.
      if (/^(transform|aggregate|resample)\//.test(w)) assert.deepEqual(await pool.run([]), { ok: true, value: [] }, w);
      else {
        // The others need real tasks; a bad one must fail inside the module (it loaded), not in loading it.
        const err = await pool.run({}).then(() => undefined, (e: Error) => e);
        const reply = err ?? undefined;
        assert.doesNotMatch(String(reply?.message ?? ''), /ERR_MODULE_NOT_FOUND|Cannot find/, w);
      }
    } finally {
      await pool.destroy();
    }
  }
});
