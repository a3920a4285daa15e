// Load config.yaml (+ includes) then config.user.yaml (+ includes) from a root, deep-merged in that
// order, validated file by file and once merged. A bad key or value is a ConfigError (exit 2) naming the
// file, the key path and what was expected.
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, isAbsolute } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configSchema, type Config } from './schema.js';
import { validateResampleConfig } from '../timeframes/plan.js';

export const CONFIG_FILES = ['config.yaml', 'config.user.yaml'] as const;

type Plain = Record<string, unknown>;

/** The merged, validated config of `root` plus the files it came from (in merge order). */
export async function loadConfig(root: string): Promise<{ config: Config; files: string[] }> {
  const files: string[] = [];
  let merged: Plain = {};
  for (const name of CONFIG_FILES) {
    const file = join(root, name);
    const doc = await readYamlFile(file, name === 'config.yaml' ? 'optional' : 'optional');
    if (doc === undefined) continue;
    merged = await mergeWithIncludes(merged, doc, file, root, files, new Set());
  }
  const result = configSchema.safeParse(merged);
  if (!result.success) throw new ConfigError(formatIssues(result.error), files.join(' + ') || 'defaults');
  validateResampleConfig(result.data, files.join(' + ') || 'defaults');
  return { config: result.data, files };
}

/** Validate one document alone (every key has a default, so a lone file must be valid by itself). */
export function validateDocument(doc: unknown, file: string): void {
  const result = configSchema.safeParse(doc);
  if (!result.success) throw new ConfigError(formatIssues(result.error), file);
}

async function mergeWithIncludes(base: Plain, doc: Plain, file: string, root: string, files: string[], seen: Set<string>): Promise<Plain> {
  if (seen.has(file)) throw new ConfigError('includes itself (cycle)', file);
  seen.add(file);
  validateDocument(doc, file);
  files.push(file);
  let merged = deepMerge(base, withoutIncludes(doc));
  const patterns = (doc.includes as string[] | undefined) ?? [];
  for (const pattern of patterns) {
    if (isAbsolute(pattern) || pattern.split(/[\\/]/).includes('..')) {
      throw new ConfigError(`includes: ${JSON.stringify(pattern)} must be a relative glob inside the root`, file);
    }
    const { glob } = await import('tinyglobby');
    const matches = (await glob(pattern, { cwd: dirname(file), absolute: true, onlyFiles: true })).sort();
    for (const match of matches) {
      const rel = relative(resolve(root), match);
      if (rel.startsWith('..')) throw new ConfigError(`includes: ${match} is outside the root`, file);
      const inc = await readYamlFile(match, 'required');
      merged = await mergeWithIncludes(merged, inc as Plain, match, root, files, seen);
    }
  }
  return merged;
}

async function readYamlFile(file: string, mode: 'optional' | 'required'): Promise<Plain | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && mode === 'optional') return undefined;
    throw new ConfigError(`cannot read: ${(err as Error).message}`, file);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    if (err instanceof YAMLParseError) {
      // yaml's message already ends with "at line L, column C:"
      throw new ConfigError(`invalid YAML: ${err.message.split('\n')[0].replace(/:$/, '')}`, file);
    }
    throw new ConfigError(`invalid YAML: ${(err as Error).message}`, file);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError('top level must be a mapping of keys', file);
  return doc as Plain;
}

function withoutIncludes(doc: Plain): Plain {
  const { includes: _ignored, ...rest } = doc;
  return rest;
}

/** Mappings merge key by key; anything else (scalars, lists) is replaced by the later file. */
export function deepMerge(a: Plain, b: Plain): Plain {
  const out: Plain = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const prev = out[key];
    out[key] = isPlain(prev) && isPlain(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

function isPlain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `download.rate_limit_rps: expected number, received string` — one line per problem. */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.') || '(top level)';
      if (issue.code === 'unrecognized_keys') {
        const keys = (issue as { keys: string[] }).keys;
        return keys.map((k) => `${path === '(top level)' ? k : `${path}.${k}`}: unknown key`).join('; ');
      }
      return `${path}: ${issue.message}`;
    })
    .join('; ');
}
