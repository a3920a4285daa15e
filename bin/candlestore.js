#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (npm test and npm run demo build first).
import { existsSync } from 'node:fs';
const entry = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('candlestore: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
await import(entry.href);
