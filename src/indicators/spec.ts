// An indicator as a request names it: `sma(20)`, `sma_20`, `macd(12,26,9)`, `macd_12_26_9`, or the bare
// name for the defaults (`rsi`). Missing trailing params take their defaults. Every problem is an
// IndicatorSpecError naming the text and what was wrong (the API answers 400 with it).
import { findIndicator } from './registry.js';
import type { IndicatorDef } from './types.js';

export class IndicatorSpecError extends Error {
  readonly code = 'BAD_INDICATOR';
}

export interface IndicatorSpec {
  def: IndicatorDef;
  params: number[];
  /** Canonical key: name and params joined by `_` (`macd_12_26_9`), used for column names. */
  key: string;
}

const NUMBER = /^-?(?:\d+(?:\.\d+)?|\.\d+)$/;

export function parseIndicatorSpec(text: string): IndicatorSpec {
  const m = /^([a-z][a-z0-9]*)(?:\(([^()]*)\)|((?:_[0-9.\-]+)*))$/.exec(text);
  if (!m) throw new IndicatorSpecError(`bad indicator ${JSON.stringify(text)}: expected name(arg,…) or name_arg_…, e.g. sma(20) or sma_20`);
  const name = m[1];
  const def = findIndicator(name);
  if (!def) throw new IndicatorSpecError(`unknown indicator ${JSON.stringify(name)} (GET /v1/indicators lists them)`);
  const argText = m[2] !== undefined ? m[2].trim() : (m[3] ?? '').slice(1);
  const args = argText === '' ? [] : argText.split(m[2] !== undefined ? ',' : '_').map((s) => s.trim());
  if (args.length > def.params.length) {
    throw new IndicatorSpecError(`${name} takes ${def.params.length === 0 ? 'no parameters' : `at most ${def.params.length} parameters (${def.params.map((p) => p.name).join(', ')})`}, got ${args.length} in ${JSON.stringify(text)}`);
  }
  const params = def.params.map((spec, i) => {
    if (i >= args.length) return spec.default;
    const raw = args[i];
    if (!NUMBER.test(raw)) throw new IndicatorSpecError(`${name}: parameter ${spec.name} must be a number, got ${JSON.stringify(raw)}`);
    const v = Number(raw);
    if (spec.integer && !Number.isInteger(v)) throw new IndicatorSpecError(`${name}: parameter ${spec.name} must be a whole number, got ${raw}`);
    if (v < spec.min || v > spec.max) throw new IndicatorSpecError(`${name}: parameter ${spec.name} must be between ${spec.min} and ${spec.max}, got ${raw}`);
    return v;
  });
  checkCrossParams(def, params);
  return { def, params, key: [name, ...params.map(String)].join('_') };
}

/** Constraints between params that per-param bounds cannot say. */
function checkCrossParams(def: IndicatorDef, p: number[]): void {
  if (def.name === 'macd' && p[0] >= p[1]) throw new IndicatorSpecError(`macd: fast (${p[0]}) must be shorter than slow (${p[1]})`);
  if (def.name === 'psar' && p[1] < p[0]) throw new IndicatorSpecError(`psar: max (${p[1]}) must be at least step (${p[0]})`);
  if (def.name === 'chaikin' && p[0] >= p[1]) throw new IndicatorSpecError(`chaikin: fast (${p[0]}) must be shorter than slow (${p[1]})`);
}

/** Column name of one output: the key for single-output indicators, `key__output` otherwise. */
export function outputColumn(spec: IndicatorSpec, output: string): string {
  return spec.def.outputs.length === 1 ? spec.key : `${spec.key}__${output}`;
}
