/**
 * The run configuration as the panels see it: one row per setting (TensorFlow Playground's state
 * table), with its type, range and a one-sentence explanation, plus inline validation.
 *
 * Defaults and validation are the runtime's (src/config/run-config.ts); this file adds what the
 * page needs on top: labels, one-sentence help and input ranges. Presets are the runtime's too
 * (src/config/presets.ts).
 */
import { DEFAULT_RUN_CONFIG, validateRunConfig as validateWithRuntime } from '../config/run-config.ts';
import { PRESETS as RUNTIME_PRESETS, presetConfig as runtimePresetConfig } from '../config/presets.ts';
import type { RunConfig } from '../runtime/types.ts';

export type FieldKey = Exclude<keyof RunConfig, 'knobs' | 'benchmarks'>;

export interface FieldSpec {
  key: FieldKey;
  label: string;
  /** One sentence for the UI. */
  help: string;
  kind: 'int' | 'float' | 'select' | 'bool';
  options?: readonly string[];
  min?: number;
  max?: number;
  /** Shown only under 'Advanced'. */
  advanced?: boolean;
}

export const FIELDS: readonly FieldSpec[] = [
  {
    key: 'domain',
    label: 'Domain',
    kind: 'select',
    options: ['trace', 'document', 'image'],
    help: 'Which kind of context the model reads: tool traces, short documents or 24x24 images.',
  },
  {
    key: 'method',
    label: 'Method',
    kind: 'select',
    options: ['grpo', 'da-sft', 'da-rl', 'contextrl'],
    help: 'grpo is the baseline; da-sft and da-rl use the pairs as ordinary data; contextrl adds the selection loss L_CA.',
  },
  {
    key: 'modelSize',
    label: 'Model size',
    kind: 'select',
    options: ['nano', 'micro', 'small'],
    help: 'Bigger models learn the lookup sooner per step but each step is slower.',
  },
  {
    key: 'groupSize',
    label: 'G (group size)',
    kind: 'int',
    min: 2,
    max: 64,
    help: 'Completions sampled per prompt; advantages compare each completion with its group.',
  },
  {
    key: 'batchSize',
    label: 'Prompts per step',
    kind: 'int',
    min: 1,
    max: 256,
    help: 'How many prompts each RL step samples groups for.',
  },
  {
    key: 'learningRate',
    label: 'Learning rate',
    kind: 'float',
    min: 1e-7,
    max: 0.1,
    help: 'Adam step size of the RL phase; too high and the policy collapses.',
  },
  {
    key: 'beta',
    label: 'beta (KL)',
    kind: 'float',
    min: 0,
    max: 1,
    help: 'Weight of the KL penalty to the frozen warm-start model; 0 drops the reference model.',
  },
  {
    key: 'epsLow',
    label: 'eps low',
    kind: 'float',
    min: 0,
    max: 1,
    help: 'How far below 1 the probability ratio may go before the surrogate is clipped.',
  },
  {
    key: 'epsHigh',
    label: 'eps high',
    kind: 'float',
    min: 0,
    max: 1,
    help: 'How far above 1 the ratio may go; DAPO raises it to 0.28 to keep exploring.',
  },
  {
    key: 'lambda',
    label: 'lambda (L_CA weight)',
    kind: 'float',
    min: 0,
    max: 100,
    help: 'Weight of the context-selection loss added to the GRPO loss (contextrl only).',
  },
  {
    key: 'caClip',
    label: 'c (margin clip)',
    kind: 'float',
    min: 0.01,
    max: 100,
    help: 'The margin Delta is clipped to [-c, c]; beyond it the hard clip passes no gradient.',
  },
  {
    key: 'caVariant',
    label: 'Clip variant',
    kind: 'select',
    options: ['hard', 'soft'],
    help: 'hard clamps Delta (the paper); soft uses c*tanh(Delta/c) so confident mistakes still get a gradient.',
  },
  {
    key: 'pairShare',
    label: 'Pair share',
    kind: 'float',
    min: 0,
    max: 1,
    help: 'Fraction of the training budget given to contrastive pairs; the paper found about 15% best.',
  },
  {
    key: 'steps',
    label: 'RL steps',
    kind: 'int',
    min: 1,
    max: 100000,
    help: 'How many optimizer steps the RL phase runs.',
  },
  {
    key: 'evalEvery',
    label: 'Evaluate every',
    kind: 'int',
    min: 0,
    max: 100000,
    help: 'Run the benchmarks and the selection probe every N steps (0: only at the end).',
  },
  {
    key: 'seed',
    label: 'Seed',
    kind: 'int',
    min: 0,
    max: 2 ** 31 - 1,
    help: 'Same seed, same data, same sampling: a run is reproducible.',
  },
  {
    key: 'backend',
    label: 'Backend',
    kind: 'select',
    options: ['webgpu', 'wasm', 'cpu'],
    help: 'Preferred tfjs backend; the runtime falls back and says so if it fails.',
  },
  {
    key: 'temperature',
    label: 'Temperature',
    kind: 'float',
    min: 0.01,
    max: 5,
    advanced: true,
    help: 'Sampling temperature of the rollouts; lower means less diverse groups.',
  },
  {
    key: 'topK',
    label: 'top-k',
    kind: 'int',
    min: 0,
    max: 10000,
    advanced: true,
    help: 'Sample only from the k most likely tokens (0: all).',
  },
  {
    key: 'maxCompletionLength',
    label: 'Max completion',
    kind: 'int',
    min: 1,
    max: 512,
    advanced: true,
    help: 'Longest completion in tokens; longer ones are cut and counted as clipped.',
  },
  {
    key: 'lossType',
    label: 'Loss aggregation',
    kind: 'select',
    options: ['grpo', 'dr_grpo', 'dapo'],
    advanced: true,
    help: 'How per-token losses are averaged: per sequence (grpo), by a fixed length (dr_grpo) or per token (dapo).',
  },
  {
    key: 'scaleRewards',
    label: 'Scale rewards',
    kind: 'select',
    options: ['group', 'batch', 'none'],
    advanced: true,
    help: 'Divide advantages by the std of the group, the batch, or not at all (Dr. GRPO).',
  },
];

export const FIELD_BY_KEY: Record<string, FieldSpec> = Object.fromEntries(FIELDS.map((f) => [f.key, f]));

export { DEFAULT_RUN_CONFIG };

export interface PresetInfo {
  name: string;
  title: string;
  description: string;
}

export const DEFAULT_PRESET = 'trace-default';

/** The runtime's built-in presets (src/config/presets.ts), for the preset picker. */
export const PRESETS: readonly PresetInfo[] = Object.values(RUNTIME_PRESETS).map((p) => ({
  name: p.name,
  title: p.name,
  description: p.description,
}));

/** The default preset's config. */
export function defaultRunConfig(): RunConfig {
  return presetConfig(DEFAULT_PRESET);
}

/** The config a preset starts from; unknown names give the default preset. */
export function presetConfig(name: string): RunConfig {
  return structuredClone(runtimePresetConfig(RUNTIME_PRESETS[name] ? name : DEFAULT_PRESET));
}

export type ConfigErrors = Partial<Record<string, string>>;

/**
 * Field -> message for every invalid field (empty when valid), from the runtime's validation so
 * the page accepts exactly what the worker accepts. Its messages start with the field name
 * ("groupSize must be an integer in [2, 64] (got 1)"); one naming no field goes under '_form'.
 */
export function validateRunConfig(c: RunConfig): ConfigErrors {
  const r = validateWithRuntime(c);
  if (r.ok) return {};
  const errors: ConfigErrors = {};
  for (const msg of r.errors) {
    const word = /^[A-Za-z]+/.exec(msg)?.[0] ?? '';
    const field = word in DEFAULT_RUN_CONFIG ? word : '_form';
    errors[field] = errors[field] ? `${errors[field]}; ${msg}` : msg;
  }
  return errors;
}
