// `candlestore demo` ends by printing how to look at what it built: the serve command and the page's
// address. Run exactly that command (on a free port instead of 8000) and the page and its data are there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, spawnServe } from '../helpers/cli.js';

test('demo prints the serve command and the chart page address; that command serves the page over the demo data', async () => {
  const root = join(mkdtempSync(join(tmpdir(), 'cs-demo-')), 'demo-data');
  const r = await runCli(['demo', '--root', root, '--days', '1', '--symbols', 'BTC/USD']);
  assert.equal(r.code, 0, r.stderr);
  const last = r.stdout.trimEnd().split('\n').at(-1)!;
  const command = /^See them: +candlestore (serve --root \S+) +then open http:\/\/127\.0\.0\.1:8000\/ /.exec(last);
  assert.ok(command, `last line: ${last}`);

  const args = command[1].split(' ');
  assert.deepEqual(args, ['serve', '--root', root]);
  const serve = await spawnServe([...args.slice(1), '--listen', '127.0.0.1:0']);
  try {
    const base = serve.base;
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await page.text(), /<script type="module" src="page\/main\.js"><\/script>/);
    const symbols = (await (await fetch(`${base}/v1/symbols`)).json()) as { result: { symbol: string; timeframes: { rows: number }[] }[] };
    assert.deepEqual(symbols.result.map((s) => s.symbol), ['BTC/USD']); // trades every day: the one day fetched is never empty
    assert.ok(symbols.result[0].timeframes.some((t) => t.rows > 0));
  } finally {
    await serve.stop();
  }
});
