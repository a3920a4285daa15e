#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (npm test and npm run demo build first).
import { existsSync } from 'node:fs';
const entry = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('candlestore: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
// Until the CLI has loaded and installed its own handlers, a signal ends the process before it has touched
// anything: say so with the exit code of an interrupted command rather than dying of the signal.
const early = () => {
  process.stderr.write('candlestore: interrupted\n');
  process.exit(130);
};
process.once('SIGINT', early);
process.once('SIGTERM', early);
globalThis.candlestoreEarlySignalHandler = early;
await import(entry.href);
