#!/usr/bin/env node
// Thin launcher: the CLI is bundled to dist/cli.mjs by `npm run build` (npm test, npm run demo and the bench
// build first); one file plus the chunks of the command that runs loads far faster than dist/'s ~200 modules.
import { existsSync } from 'node:fs';
const entry = new URL('../dist/cli.mjs', import.meta.url);
if (!existsSync(entry)) {
  console.error('candlestore: dist/cli.mjs is missing; run `npm run build` first');
  process.exit(2);
}
// Signals are watched from here, before the CLI loads, by one listener for the whole life of the process:
// replacing a listener could drop a signal that arrived in between (Node hands a pending signal to the
// listener it was raised for). Until the CLI installs its handler through candlestoreOnSignal, a signal ends
// the process before it has touched anything: say so with the exit code of an interrupted command.
let onSignal = () => {
  process.stderr.write('candlestore: interrupted\n');
  process.exit(130);
};
globalThis.candlestoreOnSignal = (handler) => {
  onSignal = handler;
};
process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));
await import(entry.href);
