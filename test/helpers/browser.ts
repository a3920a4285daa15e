// What the browser tests of the chart page share: Debian's Chromium (never a downloaded build), the reason
// they are skipped without it, and the candle colours the page draws (src/api/page/chart.js).
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';
export const chromiumSkip: string | false = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run the chart page tests`;
/** Up and down candle colours. */
export const UP = '#26a69a';
export const DOWN = '#ef5350';
