// Every indicator the API serves, by name. Adding one is a file in this folder and a line here.
import { adlIndicator } from './adl.js';
import { adxIndicator } from './adx.js';
import { aroonIndicator } from './aroon.js';
import { atrIndicator } from './atr.js';
import { bbandsIndicator } from './bbands.js';
import { camarillaIndicator } from './camarilla.js';
import { cciIndicator } from './cci.js';
import { chaikinIndicator } from './chaikin.js';
import { cmoIndicator } from './cmo.js';
import { demaIndicator } from './dema.js';
import { donchianIndicator } from './donchian.js';
import { dpoIndicator } from './dpo.js';
import { emaIndicator } from './ema.js';
import { heikinashiIndicator } from './heikinashi.js';
import { hmaIndicator } from './hma.js';
import { ichimokuIndicator } from './ichimoku.js';
import { keltnerIndicator } from './keltner.js';
import { macdIndicator } from './macd.js';
import { mfiIndicator } from './mfi.js';
import { obvIndicator } from './obv.js';
import { pivotIndicator } from './pivot.js';
import { psarIndicator } from './psar.js';
import { rocIndicator } from './roc.js';
import { rsiIndicator } from './rsi.js';
import { smaIndicator } from './sma.js';
import { stddevIndicator } from './stddev.js';
import { stochasticIndicator } from './stochastic.js';
import { stochrsiIndicator } from './stochrsi.js';
import { supertrendIndicator } from './supertrend.js';
import { temaIndicator } from './tema.js';
import { uoIndicator } from './uo.js';
import { vwapIndicator } from './vwap.js';
import { williamsrIndicator } from './williamsr.js';
import { wmaIndicator } from './wma.js';
import { zscoreIndicator } from './zscore.js';
import type { IndicatorDef } from './types.js';

export const INDICATORS: readonly IndicatorDef[] = Object.freeze([
  smaIndicator, emaIndicator, wmaIndicator, hmaIndicator, demaIndicator, temaIndicator,
  rsiIndicator, macdIndicator, bbandsIndicator, atrIndicator, adxIndicator, stochasticIndicator,
  stochrsiIndicator, cciIndicator, williamsrIndicator, rocIndicator, mfiIndicator, obvIndicator,
  vwapIndicator, donchianIndicator, keltnerIndicator, psarIndicator, supertrendIndicator, ichimokuIndicator,
  aroonIndicator, cmoIndicator, dpoIndicator, stddevIndicator, zscoreIndicator, heikinashiIndicator,
  pivotIndicator, camarillaIndicator, uoIndicator, chaikinIndicator, adlIndicator,
].sort((a, b) => a.name.localeCompare(b.name)));

const BY_NAME = new Map(INDICATORS.map((d) => [d.name, d]));

export function findIndicator(name: string): IndicatorDef | undefined {
  return BY_NAME.get(name);
}
