/**
 * RunConfig defaults and validation. A config is a plain object; it is validated once at the
 * boundary (worker 'start', CLI, URL) and every error names the field, the rule and the value:
 *   groupSize must be an integer >= 2 (got 1)
 */
import { z } from 'zod';
import type { RunConfig } from '../runtime/types.ts';

/** Every field filled in; the optional extensions of RunConfig get their defaults here. */
export type ResolvedRunConfig = Required<RunConfig>;

export const DEFAULT_RUN_CONFIG: ResolvedRunConfig = {
  domain: 'trace',
  preset: 'trace-default',
  method: 'contextrl',
  modelSize: 'nano',
  groupSize: 8, // = G in GRPO
  batchSize: 16,
  learningRate: 3e-4,
  beta: 0.001,
  epsLow: 0.2,
  epsHigh: 0.2,
  lossType: 'dapo',
  scaleRewards: 'group',
  lambda: 0.5,
  caClip: 5,
  caVariant: 'hard',
  pairShare: 0.15,
  steps: 200,
  temperature: 1,
  topK: 0,
  maxCompletionLength: 4,
  evalEvery: 50,
  seed: 0,
  backend: 'webgpu',
  knobs: {},
  warmStartSteps: 300,
  sftLearningRate: 2e-3,
  budgetUnit: 'tokens',
  evalItems: 64,
  probePairs: 64,
  benchmarks: [],
  gradClip: 1,
  warmupSteps: 10,
  dropZeroStd: false,
};

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
const oneOf = <T extends string>(name: string, values: readonly [T, ...T[]]) =>
  z.enum(values, { error: `${name} must be one of ${values.join(', ')}` });

const schema = z
  .object({
    domain: oneOf('domain', ['trace', 'document', 'image']),
    preset: z.string({ error: 'preset must be a string' }),
    method: oneOf('method', ['grpo', 'da-sft', 'da-rl', 'contextrl']),
    modelSize: oneOf('modelSize', ['nano', 'micro', 'small']),
    groupSize: int('groupSize', 2, 64),
    batchSize: int('batchSize', 1, 1024),
    learningRate: num('learningRate', 0, 1).refine((v) => v > 0, { message: 'learningRate must be > 0' }),
    beta: num('beta', 0, 10),
    epsLow: num('epsLow', 0, 1, true),
    epsHigh: num('epsHigh', 0, 10),
    lossType: oneOf('lossType', ['grpo', 'dr_grpo', 'dapo']),
    scaleRewards: oneOf('scaleRewards', ['group', 'batch', 'none']),
    lambda: num('lambda', 0, 1000),
    caClip: num('caClip', 0, 100).refine((v) => v > 0, { message: 'caClip must be > 0' }),
    caVariant: oneOf('caVariant', ['hard', 'soft']),
    pairShare: num('pairShare', 0, 1, true),
    steps: int('steps', 1, 1_000_000),
    temperature: num('temperature', 0, 10).refine((v) => v > 0, { message: 'temperature must be > 0' }),
    topK: int('topK', 0, 100_000),
    maxCompletionLength: int('maxCompletionLength', 1, 512),
    evalEvery: int('evalEvery', 0),
    seed: int('seed', 0, 2 ** 31 - 1),
    backend: oneOf('backend', ['webgpu', 'wasm', 'cpu']),
    knobs: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()]), {
      error: 'knobs must map names to numbers, strings or booleans',
    }),
    warmStartSteps: int('warmStartSteps', 0),
    sftLearningRate: num('sftLearningRate', 0, 1).refine((v) => v > 0, { message: 'sftLearningRate must be > 0' }),
    budgetUnit: oneOf('budgetUnit', ['tokens', 'examples']),
    evalItems: int('evalItems', 1, 100_000),
    probePairs: int('probePairs', 0, 100_000),
    benchmarks: z.array(z.string(), { error: 'benchmarks must be a list of names' }),
    gradClip: num('gradClip', 0, 1e6),
    warmupSteps: int('warmupSteps', 0),
    dropZeroStd: z.boolean({ error: 'dropZeroStd must be true or false' }),
  })
  .strict();

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
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

export type ValidationResult = { ok: true; config: ResolvedRunConfig } | { ok: false; errors: string[] };

/** Validates a (possibly partial) config after filling defaults. Never throws. */
export function validateRunConfig(input: unknown): ValidationResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    return { ok: false, errors: ['config must be an object'] };
  const full = withDefaults(input as Partial<RunConfig>);
  const r = schema.safeParse(full);
  const errors: string[] = [];
  if (!r.success) {
    for (const issue of r.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        errors.push(`unknown config field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`);
        continue;
      }
      const got = valueAt(full, issue.path);
      errors.push(`${issue.message} (got ${JSON.stringify(got) ?? String(got)})`);
    }
    return { ok: false, errors };
  }
  const c = r.data as ResolvedRunConfig;
  // Cross-field rules.
  if (c.method === 'contextrl' && c.pairShare === 0) errors.push('pairShare must be > 0 for method contextrl (got 0)');
  if ((c.method === 'da-sft' || c.method === 'da-rl') && c.pairShare === 0)
    errors.push(`pairShare must be > 0 for method ${c.method} (got 0)`);
  if (c.method === 'contextrl' && c.lambda === 0) errors.push('lambda must be > 0 for method contextrl (got 0)');
  if (
    c.domain === 'image' &&
    c.modelSize === 'nano' &&
    c.knobs.imageSize !== undefined &&
    Number(c.knobs.imageSize) > 48
  )
    errors.push(`knobs.imageSize must be <= 48 for modelSize nano (got ${c.knobs.imageSize})`);
  if (c.evalEvery > c.steps) errors.push(`evalEvery must be <= steps (got ${c.evalEvery}, ${c.steps})`);
  return errors.length ? { ok: false, errors } : { ok: true, config: c };
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
