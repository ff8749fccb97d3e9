/**
 * The run configuration as one table (TensorFlow Playground's state table): per field its
 * default, kind, range or options, label and one sentence of help. Everything else is derived
 * from it: the RunConfig type and its unions, the zod schema (run-config.ts), the form
 * (src/ui/panels/ConfigForm.tsx reads kind, range, label and help), the URL codec's list of
 * fields (src/store/url.ts) and the engine's defaults (src/engine/policy.ts, optim.ts).
 * Change a knob here and every layer follows. tfjs-free: every layer may import it.
 */
import { DOMAIN_NAMES, PAIR_HARDNESS, type Knobs } from '../tasks/types.ts';

export const METHODS = ['grpo', 'da-sft', 'da-rl', 'contextrl'] as const;
export const MODEL_SIZES = ['nano', 'micro', 'small'] as const;
export const LOSS_TYPES = ['grpo', 'dr_grpo', 'dapo'] as const;
export const SCALE_REWARDS = ['group', 'batch', 'none'] as const;
export const CA_VARIANTS = ['hard', 'soft'] as const;
/** The tfjs backends, in the order the runtime tries them. */
export const BACKENDS = ['webgpu', 'wasm', 'cpu'] as const;
/** The backend setting: 'auto' (the faster of WebGPU and wasm for the run, measured) or one backend. */
export const BACKEND_CHOICES = ['auto', ...BACKENDS] as const;
export const BUDGET_UNITS = ['tokens', 'examples'] as const;
export const PAIR_BUDGETS = ['inside', 'on-top'] as const;
export { DOMAIN_NAMES, PAIR_HARDNESS };

export type Method = (typeof METHODS)[number];
export type ModelSize = (typeof MODEL_SIZES)[number];
export type LossType = (typeof LOSS_TYPES)[number];
export type ScaleRewards = (typeof SCALE_REWARDS)[number];
export type CaVariant = (typeof CA_VARIANTS)[number];
export type BackendName = (typeof BACKENDS)[number];
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export type BudgetUnit = (typeof BUDGET_UNITS)[number];
export type PairBudget = (typeof PAIR_BUDGETS)[number];
export type { PairHardness } from '../tasks/types.ts';

/** Where a field shows in the form: the main list, under "Advanced", or not as a field at all. */
export type FieldPlace = 'basic' | 'advanced' | 'none';

interface Common {
  label: string;
  /** One sentence for the form. */
  help: string;
  place: FieldPlace;
  /** An optional extension of RunConfig: absent in older configs, filled from the default. */
  optional?: true;
}
export interface IntField extends Common {
  kind: 'int';
  default: number;
  min: number;
  max?: number;
}
export interface FloatField extends Common {
  kind: 'float';
  default: number;
  min: number;
  max: number;
  /** The value must be > min (min itself is refused). */
  aboveMin?: true;
  /** The value must be < max (max itself is refused). */
  belowMax?: true;
}
export interface SelectField extends Common {
  kind: 'select';
  options: readonly string[];
  default: string;
}
export interface BoolField extends Common {
  kind: 'bool';
  default: boolean;
}
export interface TextField extends Common {
  kind: 'text';
  default: string;
}
export interface KnobsField extends Common {
  kind: 'knobs';
  default: Knobs;
}
export interface ListField extends Common {
  kind: 'list';
  default: readonly string[];
}
export type FieldSpec = IntField | FloatField | SelectField | BoolField | TextField | KnobsField | ListField;

/** The table. Order is the form's order. */
export const RUN_FIELDS = {
  domain: {
    kind: 'select',
    options: DOMAIN_NAMES,
    default: 'trace',
    place: 'basic',
    label: 'Domain',
    help: 'Which kind of context the model reads: tool traces, short documents or 24x24 images.',
  },
  preset: {
    kind: 'text',
    default: 'trace-default',
    place: 'none',
    label: 'Preset',
    help: 'The built-in preset this configuration started from.',
  },
  method: {
    kind: 'select',
    options: METHODS,
    default: 'contextrl',
    place: 'basic',
    label: 'Method',
    help: 'grpo is the baseline; da-sft and da-rl use the pairs as ordinary data; contextrl adds the selection loss L_CA.',
  },
  modelSize: {
    kind: 'select',
    options: MODEL_SIZES,
    default: 'nano',
    place: 'basic',
    label: 'Model size',
    help: 'Bigger models learn the lookup sooner per step but each step is slower.',
  },
  groupSize: {
    kind: 'int',
    default: 8,
    min: 2,
    max: 64,
    place: 'basic',
    label: 'G (group size)',
    help: 'Completions sampled per prompt; advantages compare each completion with its group.',
  },
  batchSize: {
    kind: 'int',
    default: 16,
    min: 1,
    max: 1024,
    place: 'basic',
    label: 'Prompts per step',
    help: 'How many prompts each RL step samples groups for.',
  },
  learningRate: {
    kind: 'float',
    default: 3e-4,
    min: 0,
    max: 1,
    aboveMin: true,
    place: 'basic',
    label: 'Learning rate',
    help: 'Adam step size of the RL phase; too high and the policy collapses.',
  },
  beta: {
    kind: 'float',
    default: 0.001,
    min: 0,
    max: 10,
    place: 'basic',
    label: 'beta (KL)',
    help: 'Weight of the KL penalty to the frozen warm-start model; 0 drops the reference model.',
  },
  epsLow: {
    kind: 'float',
    default: 0.2,
    min: 0,
    max: 1,
    belowMax: true,
    place: 'basic',
    label: 'eps low',
    help: 'How far below 1 the probability ratio may go before the surrogate is clipped.',
  },
  epsHigh: {
    kind: 'float',
    default: 0.2,
    min: 0,
    max: 10,
    place: 'basic',
    label: 'eps high',
    help: 'How far above 1 the ratio may go; DAPO raises it to 0.28 to keep exploring.',
  },
  lossType: {
    kind: 'select',
    options: LOSS_TYPES,
    default: 'dapo',
    place: 'advanced',
    label: 'Loss aggregation',
    help: 'How per-token losses are averaged: per sequence (grpo), by a fixed length (dr_grpo) or per token (dapo).',
  },
  scaleRewards: {
    kind: 'select',
    options: SCALE_REWARDS,
    default: 'group',
    place: 'advanced',
    label: 'Scale rewards',
    help: 'Divide advantages by the std of the group, the batch, or not at all (Dr. GRPO).',
  },
  lambda: {
    kind: 'float',
    default: 0.5,
    min: 0,
    max: 1000,
    place: 'basic',
    label: 'lambda (L_CA weight)',
    help: 'Weight of the context-selection loss added to the GRPO loss (contextrl only).',
  },
  caClip: {
    kind: 'float',
    default: 5,
    min: 0,
    max: 100,
    aboveMin: true,
    place: 'basic',
    label: 'c (margin clip)',
    help: 'The margin Delta is clipped to [-c, c]; beyond it the hard clip passes no gradient.',
  },
  caVariant: {
    kind: 'select',
    options: CA_VARIANTS,
    default: 'hard',
    place: 'basic',
    label: 'Clip variant',
    help: 'hard clamps Delta (the paper); soft uses c*tanh(Delta/c) so confident mistakes still get a gradient.',
  },
  pairShare: {
    kind: 'float',
    default: 0.15,
    min: 0,
    max: 1,
    belowMax: true,
    place: 'basic',
    label: 'Pair share',
    help: 'Fraction of the training budget given to contrastive pairs; the paper found about 15% best.',
  },
  steps: {
    kind: 'int',
    default: 200,
    min: 1,
    max: 1_000_000,
    place: 'basic',
    label: 'RL steps',
    help: 'How many optimizer steps the RL phase runs.',
  },
  temperature: {
    kind: 'float',
    default: 1,
    min: 0,
    max: 10,
    aboveMin: true,
    place: 'advanced',
    label: 'Temperature',
    help: 'Sampling temperature of the rollouts; lower means less diverse groups.',
  },
  topK: {
    kind: 'int',
    default: 0,
    min: 0,
    max: 100_000,
    place: 'advanced',
    label: 'top-k',
    help: 'Sample only from the k most likely tokens (0: all).',
  },
  maxCompletionLength: {
    kind: 'int',
    default: 4,
    min: 1,
    max: 512,
    place: 'advanced',
    label: 'Max completion',
    help: 'Longest completion in tokens; longer ones are cut and counted as clipped.',
  },
  evalEvery: {
    kind: 'int',
    default: 50,
    min: 0,
    place: 'basic',
    label: 'Evaluate every',
    help: 'Run the benchmarks and the selection probe every N steps (0: only at the end).',
  },
  probeEvery: {
    kind: 'int',
    default: 0,
    min: 0,
    optional: true,
    place: 'basic',
    label: 'Probe every',
    help: 'Score the selection probe alone (one forward pass per held-out pair, no generation) every N RL steps, between full evaluations (0: only with them).',
  },
  seed: {
    kind: 'int',
    default: 0,
    min: 0,
    max: 2 ** 31 - 1,
    place: 'basic',
    label: 'Seed',
    help: 'Same seed, same data, same sampling: a run is reproducible.',
  },
  backend: {
    kind: 'select',
    options: BACKEND_CHOICES,
    default: 'auto',
    place: 'basic',
    label: 'Backend',
    help: 'auto times a training step on WebGPU and wasm and keeps the faster; a named backend is used as chosen (with a fallback, said, if it fails).',
  },
  knobs: {
    kind: 'knobs',
    default: {},
    place: 'none',
    label: 'Domain knobs',
    help: 'The domain generator’s settings (evidence depth, shortcut rate, noise lines ...).',
  },
  warmStartSteps: {
    kind: 'int',
    default: 300,
    min: 0,
    optional: true,
    place: 'advanced',
    label: 'Warm-start steps',
    help: 'Supervised steps before RL when the preset has no bundled base model.',
  },
  sftLearningRate: {
    kind: 'float',
    default: 2e-3,
    min: 0,
    max: 1,
    aboveMin: true,
    optional: true,
    place: 'advanced',
    label: 'Supervised learning rate',
    help: 'Learning rate of the warm-start and DA-SFT phases.',
  },
  budgetUnit: {
    kind: 'select',
    options: BUDGET_UNITS,
    default: 'tokens',
    optional: true,
    place: 'advanced',
    label: 'Budget unit',
    help: 'Match the pair share in prompt tokens (pair prompts are longer) or in examples.',
  },
  pairBudget: {
    kind: 'select',
    options: PAIR_BUDGETS,
    default: 'inside',
    optional: true,
    place: 'advanced',
    label: 'Pairs in the budget',
    help: 'inside: pairs replace a share of the RL prompts (equal example budgets); on-top: every method gets all the RL prompts and the pairs come in addition.',
  },
  // The maxima keep generation within about a second (default knobs, 2 cores, docs/RELIABILITY.md):
  // 100 000 probe pairs froze the page for 27 s.
  evalItems: {
    kind: 'int',
    default: 64,
    min: 1,
    max: 2000,
    optional: true,
    place: 'advanced',
    label: 'Items per benchmark',
    help: 'Held-out items per benchmark at each evaluation.',
  },
  probePairs: {
    kind: 'int',
    default: 64,
    min: 0,
    max: 1000,
    optional: true,
    place: 'advanced',
    label: 'Probe pairs',
    help: 'Held-out hard pairs of the selection probe at each evaluation.',
  },
  benchmarks: {
    kind: 'list',
    default: [],
    optional: true,
    place: 'none',
    label: 'Benchmarks',
    help: 'Extra sets evaluated beside the domain’s own: <domain>/paired (a hard pair’s C+ and C- in one context).',
  },
  gradClip: {
    kind: 'float',
    default: 1,
    min: 0,
    max: 1e6,
    optional: true,
    place: 'advanced',
    label: 'Gradient clip',
    help: 'Global gradient-norm clip (0: off).',
  },
  warmupSteps: {
    kind: 'int',
    default: 10,
    min: 0,
    optional: true,
    place: 'advanced',
    label: 'LR warm-up steps',
    help: 'Learning-rate warm-up steps of the RL phase (then constant).',
  },
  pairHardness: {
    kind: 'select',
    options: PAIR_HARDNESS,
    default: 'hard',
    optional: true,
    place: 'advanced',
    label: 'Training pairs',
    help: 'Which pairs contextrl, da-sft and da-rl train on: hard (differ only where decided), easy, or random negatives; the probe stays hard.',
  },
  holdOutContent: {
    kind: 'bool',
    default: false,
    optional: true,
    place: 'advanced',
    label: 'Hold out test content',
    help: 'Training items and pairs skip every program, document or scene of the evaluation sets and probe pairs.',
  },
  dropZeroStd: {
    kind: 'bool',
    default: false,
    optional: true,
    place: 'advanced',
    label: 'Drop zero-std groups',
    help: 'DAPO dynamic sampling: groups whose rewards are all equal are left out of the loss.',
  },
} as const satisfies Record<string, FieldSpec>;

type Fields = typeof RUN_FIELDS;
export type FieldName = keyof Fields;

/** The TypeScript value of a field's spec. */
type ValueOf<F> = F extends { kind: 'select'; options: readonly (infer O)[] }
  ? O
  : F extends { kind: 'int' | 'float' }
    ? number
    : F extends { kind: 'bool' }
      ? boolean
      : F extends { kind: 'text' }
        ? string
        : F extends { kind: 'knobs' }
          ? Knobs
          : F extends { kind: 'list' }
            ? string[]
            : never;
type OptionalName = { [K in FieldName]: Fields[K] extends { optional: true } ? K : never }[FieldName];
type RequiredName = Exclude<FieldName, OptionalName>;

/** One run's configuration: plain, serializable, validated once where it enters (run-config.ts). */
export type RunConfig = { -readonly [K in RequiredName]: ValueOf<Fields[K]> } & {
  -readonly [K in OptionalName]?: ValueOf<Fields[K]>;
};
/** Every field filled in. */
export type ResolvedRunConfig = Required<RunConfig>;

export const FIELD_NAMES = Object.keys(RUN_FIELDS) as FieldName[];

/** The optional extensions (a URL or an old file may name them although the preset leaves them out). */
export const OPTIONAL_FIELDS: readonly FieldName[] = FIELD_NAMES.filter(
  (k) => (RUN_FIELDS[k] as FieldSpec).optional === true,
);

export function fieldSpec(name: FieldName): FieldSpec {
  return RUN_FIELDS[name];
}

/** Is `name` a field of the table (own key, so "constructor" or "__proto__" are not)? */
export function isFieldName(name: string): name is FieldName {
  return Object.prototype.hasOwnProperty.call(RUN_FIELDS, name);
}

/** The defaults of every field (fresh copies of knobs and lists). */
export function fieldDefaults(): ResolvedRunConfig {
  const out: Record<string, unknown> = {};
  for (const k of FIELD_NAMES) {
    const d = RUN_FIELDS[k].default;
    out[k] = Array.isArray(d) ? [...d] : typeof d === 'object' ? { ...d } : d;
  }
  return out as ResolvedRunConfig;
}
