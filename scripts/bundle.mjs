// Bundles the CLI for start-up time (issue 13): `tsc` builds dist/ (the library and its types); this adds
// dist/cli.mjs, one entry per worker module (dist/<stage>/<worker>.mjs, where the worker pool looks for them)
// and the chunks they share (dist/chunk-*.mjs, flat beside cli.mjs). Commands are dynamic imports, so each
// lands in its own chunk and `--version` or `run` parse only what they use.
//
// Modules find files relative to themselves (worker modules, the chart page, package.json). In the bundle
// every `import.meta.url` would be the chunk's URL instead, so each source file's `import.meta.url` is
// rewritten to the URL its own output would have in the tsc layout, with .mjs: src/transform/stage.ts sees
// dist/transform/stage.mjs, whose sibling worker is the bundled dist/transform/worker.mjs. That holds in every
// chunk because all chunks and cli.mjs sit in the same folder (dist/).
import { build } from 'esbuild';
import { readFile, readdir, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
// `--outdir DIR` bundles elsewhere (the bundle test builds a fresh one); the default is dist/.
const outArg = process.argv.indexOf('--outdir');
const OUT = outArg > 0 ? resolve(process.argv[outArg + 1]) : join(ROOT, 'dist');

// Loaded by path or with files of their own beside them (piscina starts its own worker file, zstd-wasm and
// hyparquet-writer load .wasm/.js siblings, lightweight-charts is served as a file): left to node_modules.
// undici is big and only loaded by the download stage.
const EXTERNAL = ['piscina', 'undici', '@bokuweb/zstd-wasm', 'hyparquet-writer', 'lightweight-charts', '@duckdb/node-api', 'playwright-core'];

/** Every worker module the pool can be asked to start (runTasks/Piscina `filename`s). */
async function workerEntries() {
  const entries = [];
  for (const dir of await readdir(SRC, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of await readdir(join(SRC, dir.name))) if (/^(worker|\w+Worker)\.ts$/.test(f)) entries.push(join(SRC, dir.name, f));
  }
  return entries;
}

const importMetaUrlAsInTsc = {
  name: 'import-meta-url-as-in-tsc',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      let contents = await readFile(args.path, 'utf8');
      if (contents.includes('import.meta.url')) {
        const rel = relative(SRC, args.path).split(sep).join('/').replace(/\.ts$/, '.mjs');
        contents = contents.replaceAll('import.meta.url', `new URL(${JSON.stringify(`./${rel}`)}, import.meta.url).href`);
      }
      return { contents, loader: 'ts' };
    });
  },
};

// zod's `z.locales` (and `z.core.locales`) namespace re-exports every language's error messages (~340 KB,
// a third of the config chunk every `run` parses). Nothing here uses it: zod's default English messages come
// from its own import of locales/en.js, which stays. So the namespace is bundled empty.
const zodWithoutLocales = {
  name: 'zod-without-locales',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => (/[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer) ? { path: 'zod-locales', namespace: 'empty' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

// Chunks of an earlier build (their names carry a hash) would pile up.
for (const f of await readdir(OUT).catch(() => [])) if (/^chunk-.*\.mjs(\.map)?$/.test(f)) await rm(join(OUT, f));

await build({
  entryPoints: [join(SRC, 'cli.ts'), ...(await workerEntries())],
  outbase: SRC,
  outdir: OUT,
  entryNames: '[dir]/[name]',
  chunkNames: 'chunk-[hash]',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  plugins: [importMetaUrlAsInTsc, zodWithoutLocales],
  // Bundled CommonJS packages (commander, yaml, cli-progress) call require() for Node's own modules.
  banner: { js: "import { createRequire as __candlestoreCreateRequire } from 'node:module'; const require = __candlestoreCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
