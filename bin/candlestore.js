#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (npm test and npm run demo build first).
import { existsSync } from 'node:fs';
const entry = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('candlestore: dist/ is missing; run `npm run build` first');
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
