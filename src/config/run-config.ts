/**
 * RunConfig defaults and validation, derived from the table in fields.ts. A config is a plain
 * object; it is validated once where it enters (the worker's 'start' / 'load', the CLI, a URL, an
 * imported file) and every error names the field, the rule and the value:
 *   groupSize must be an integer in [2, 64] (got 1)
 */
import { z } from 'zod';
import { domains } from '../tasks/index.ts';
import type { Knobs } from '../tasks/types.ts';
import {
  FIELD_NAMES,
  RUN_FIELDS,
  fieldDefaults,
  type FieldSpec,
  type ResolvedRunConfig,
  type RunConfig,
} from './fields.ts';

export type { ResolvedRunConfig, RunConfig };

export const DEFAULT_RUN_CONFIG: ResolvedRunConfig = fieldDefaults();

const int = (name: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.number({ error: `${name} must be a number` }).refine((v) => Number.isInteger(v) && v >= min && v <= max, {
    message:
      max === Number.MAX_SAFE_INTEGER
        ? `${name} must be an integer >= ${min}`
        : `${name} must be an integer in [${min}, ${max}]`,
  });
const num = (name: string, min: number, max: number, openMax = false) =>
  z
    .number({ error: `${name} must be a number` })
    .refine((v) => Number.isFinite(v) && v >= min && (openMax ? v < max : v <= max), {
      message: `${name} must be in [${min}, ${max}${openMax ? ')' : ']'}`,
    });

/** The zod rule of one field of the table. */
function fieldSchema(name: string, f: FieldSpec): z.ZodType {
  switch (f.kind) {
    case 'int':
      return int(name, f.min, f.max);
    case 'float': {
      const s = num(name, f.min, f.max, f.belowMax === true);
      return f.aboveMin ? s.refine((v) => v > f.min, { message: `${name} must be > ${f.min}` }) : s;
    }
    case 'select':
      return z.enum(f.options as [string, ...string[]], { error: `${name} must be one of ${f.options.join(', ')}` });
    case 'bool':
      return z.boolean({ error: `${name} must be true or false` });
    case 'text':
      return z.string({ error: `${name} must be a string` });
    case 'knobs':
      return z.record(z.string(), z.union([z.number(), z.string(), z.boolean()]), {
        error: `${name} must map names to numbers, strings or booleans`,
      });
    case 'list':
      return z.array(z.string(), { error: `${name} must be a list of names` });
  }
}

const schema = z.object(Object.fromEntries(FIELD_NAMES.map((k) => [k, fieldSchema(k, RUN_FIELDS[k])]))).strict();

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/** A value as an error message quotes it: JSON, at most 60 characters (a link or a file may hold megabytes). */
function gotText(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}

/** The knob names a domain declares (empty for an unknown domain). */
export function knobNames(domain: string): string[] {
  const d = (domains as Record<string, (typeof domains)[keyof typeof domains] | undefined>)[domain];
  return d ? d.knobs.map((k) => k.name) : [];
}

/** Fills in missing fields from DEFAULT_RUN_CONFIG (one level deep; knobs merge). */
export function withDefaults(partial: Partial<RunConfig> = {}): ResolvedRunConfig {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  return {
    ...DEFAULT_RUN_CONFIG,
    ...defined,
    knobs: { ...DEFAULT_RUN_CONFIG.knobs, ...(partial.knobs ?? {}) },
  } as ResolvedRunConfig;
}

/** One problem: the field it belongs to ('knobs.<name>' for a knob, '_form' for none) and the message. */
export interface ConfigIssue {
  field: string;
  message: string;
}

export type ValidationResult =
  { ok: true; config: ResolvedRunConfig } | { ok: false; errors: string[]; issues: ConfigIssue[] };

/** The domain's declared knobs that `knobs` sets to a value its spec refuses. */
function knobIssues(domain: string, knobs: Knobs): ConfigIssue[] {
  const d = (domains as Record<string, (typeof domains)[keyof typeof domains] | undefined>)[domain];
  if (!d) return [];
  const out: ConfigIssue[] = [];
  for (const s of d.knobs) {
    if (!Object.prototype.hasOwnProperty.call(knobs, s.name)) continue;
    const v = knobs[s.name];
    const field = `knobs.${s.name}`;
    const got = `(got ${gotText(v)})`;
    if (typeof v !== typeof s.default) out.push({ field, message: `${field} must be a ${typeof s.default} ${got}` });
    else if (typeof v === 'number' && !Number.isFinite(v))
      out.push({ field, message: `${field} must be finite ${got}` });
    else if (typeof v === 'number' && ((s.min !== undefined && v < s.min) || (s.max !== undefined && v > s.max)))
      out.push({ field, message: `${field} must be in [${s.min ?? '-inf'}, ${s.max ?? 'inf'}] ${got}` });
    else if (typeof v === 'string' && s.options && !s.options.includes(v))
      out.push({ field, message: `${field} must be one of ${s.options.join(', ')} ${got}` });
  }
  return out;
}

/** The field a message of this module is about: its first word when that is a field, else '_form'. */
function fieldOf(message: string): string {
  const word = /^[A-Za-z]+(\.[A-Za-z]+)?/.exec(message)?.[0] ?? '';
  const top = word.split('.')[0];
  return (FIELD_NAMES as string[]).includes(top) ? word : '_form';
}

/** Validates a (possibly partial) config after filling defaults. Never throws. */
export function validateRunConfig(input: unknown): ValidationResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    return fail([{ field: '_form', message: 'config must be an object' }]);
  const full = withDefaults(input as Partial<RunConfig>);
  const r = schema.safeParse(full);
  const issues: ConfigIssue[] = [];
  if (!r.success) {
    for (const issue of r.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        const message = `unknown config field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`;
        issues.push({ field: '_form', message });
        continue;
      }
      const got = valueAt(full, issue.path);
      const message = `${issue.message} (got ${gotText(got)})`;
      issues.push({ field: issue.path.length ? String(issue.path[0]) : '_form', message });
    }
    return fail(issues);
  }
  const c = r.data as ResolvedRunConfig;
  // Cross-field rules.
  const add = (message: string) => issues.push({ field: fieldOf(message), message });
  if (c.method === 'contextrl' && c.pairShare === 0) add('pairShare must be > 0 for method contextrl (got 0)');
  if ((c.method === 'da-sft' || c.method === 'da-rl') && c.pairShare === 0)
    add(`pairShare must be > 0 for method ${c.method} (got 0)`);
  if (c.method === 'contextrl' && c.lambda === 0) add('lambda must be > 0 for method contextrl (got 0)');
  issues.push(...knobIssues(c.domain, c.knobs));
  if (
    c.domain === 'image' &&
    c.modelSize === 'nano' &&
    c.knobs.imageSize !== undefined &&
    Number(c.knobs.imageSize) > 48
  )
    add(`knobs.imageSize must be <= 48 for modelSize nano (got ${c.knobs.imageSize})`);
  if (c.evalEvery > c.steps) add(`evalEvery must be <= steps (got ${c.evalEvery}, ${c.steps})`);
  return issues.length ? fail(issues) : { ok: true, config: c };
}

function fail(issues: ConfigIssue[]): ValidationResult {
  return { ok: false, errors: issues.map((i) => i.message), issues };
}

/** validateRunConfig, throwing one Error whose message lists every problem. */
export function parseRunConfig(input: unknown): ResolvedRunConfig {
  const r = validateRunConfig(input);
  if (!r.ok) throw new Error(`invalid run config: ${r.errors.join('; ')}`);
  return r.config;
}

/** Only the fields that differ from the defaults (for URLs and file names, as Playground does). */
export function diffFromDefaults(c: RunConfig): Partial<RunConfig> {
  const out: Record<string, unknown> = {};
  const d = DEFAULT_RUN_CONFIG as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(c)) if (JSON.stringify(v) !== JSON.stringify(d[k])) out[k] = v;
  return out as Partial<RunConfig>;
}
