/**
 * The runtime's plain-data records: a run's configuration and what it reports while it trains.
 * Shared by the engine's run pipeline, the worker protocol, the store and the panels.
 * Everything here is JSON-serializable (no tensors, no class instances).
 */
import type { DomainName, Pair } from '../tasks/types.ts';
import type { BackendName } from '../engine/backend.ts';

export type Method = 'grpo' | 'da-sft' | 'da-rl' | 'contextrl';
export type ModelSize = 'nano' | 'micro' | 'small';
export type LossType = 'grpo' | 'dr_grpo' | 'dapo';
export type ScaleRewards = 'group' | 'batch' | 'none';

/** One run's configuration. Defaults live in src/config/run-config.ts; validated once at the boundary. */
export interface RunConfig {
  domain: DomainName;
  /** Name of a built-in preset this config started from (e.g. 'trace-default'). */
  preset: string;
  method: Method;
  modelSize: ModelSize;
  /** G in GRPO: completions sampled per prompt. */
  groupSize: number;
  /** Prompts per RL step. */
  batchSize: number;
  learningRate: number;
  /** KL weight to the frozen reference (warm-start) policy; 0 keeps no reference model. */
  beta: number;
  epsLow: number;
  epsHigh: number;
  lossType: LossType;
  scaleRewards: ScaleRewards;
  /** lambda: weight of L_CA in contextrl. */
  lambda: number;
  /** c: clip of the selection margin Delta in L_CA. */
  caClip: number;
  caVariant: 'hard' | 'soft';
  /** Share of the training example budget given to contrastive pairs (0..1). */
  pairShare: number;
  /** RL steps. */
  steps: number;
  temperature: number;
  topK: number;
  maxCompletionLength: number;
  /** Evaluate on the benchmark suite and the selection probe every N steps (0: only at the end). */
  evalEvery: number;
  seed: number;
  /** Preferred backend; the runtime falls back and says so. */
  backend: BackendName;
  /** Domain knobs (evidence depth, shortcut rate, noise lines ...). */
  knobs: Record<string, number | string | boolean>;
  // Optional extensions (defaults in config.ts, `withDefaults` fills them in).
  /** Supervised warm-start steps when no base checkpoint is given. */
  warmStartSteps?: number;
  /** Learning rate of the warm-start and DA-SFT phases. */
  sftLearningRate?: number;
  /** How the pair share is matched: 'tokens' (default; pair prompts are longer) or 'examples'. */
  budgetUnit?: 'tokens' | 'examples';
  /** Items per benchmark at each evaluation; probe pairs per evaluation. */
  evalItems?: number;
  probePairs?: number;
  /** Benchmarks evaluated (names from the suite); default: the domain's own. */
  benchmarks?: string[];
  /** Global gradient-norm clip (0: off). */
  gradClip?: number;
  /** Learning-rate warm-up steps of the RL phase (then constant). */
  warmupSteps?: number;
  /** DAPO dynamic sampling: drop zero-std groups from the loss. */
  dropZeroStd?: boolean;
}

/** One step's metrics, with the names of docs/METHOD.md section 3, plus step bookkeeping. */
export interface MetricRow {
  step: number;
  /** Wall-clock ms since the run started. */
  t: number;
  [name: string]: number;
}

/** One sampled completion in a GRPO group. */
export interface RolloutCompletion {
  text: string;
  tokens: string[];
  /** Per-token log-probabilities of the sampled tokens. */
  logp: number[];
  reward: number;
  advantage: number;
}

export interface RolloutGroup {
  prompt: string;
  answer: string;
  completions: RolloutCompletion[];
  tag: 'all-pass' | 'all-fail' | 'mixed';
}

/** What the model chose for one probe pair at one step. */
export interface SelectionRecord {
  pairId: string;
  step: number;
  /** The letter the model put more probability on. */
  chosen: 'A' | 'B';
  /** The letter C+ was shown under. */
  target: 'A' | 'B';
  pA: number;
  pB: number;
  /** Delta = logit(letter of C+) - logit(letter of C-). */
  delta: number;
  /** |Delta| >= c: the hard clip passes no gradient. */
  atClip: boolean;
}

/** Evaluation at one step: accuracy per benchmark ('probe/selection' for the selection probe). */
export interface EvalRecord {
  step: number;
  accuracies: Record<string, number>;
}

export type RunState = 'idle' | 'warming' | 'running' | 'paused' | 'done' | 'error';

export interface RunProgress {
  step: number;
  totalSteps: number;
  phase: 'shader-warmup' | 'warm-start' | 'da-sft' | 'rl' | 'eval';
  /** With phase 'shader-warmup': the phase whose first step is compiling its WebGPU shaders. */
  compiling?: string;
  /** With phase 'shader-warmup': shaders compiled so far and in all (absent while they are being collected). */
  shadersDone?: number;
  shadersTotal?: number;
  stepsPerSec: number;
  etaSec: number;
  /** tf.memory() of the training thread when the progress was sent: tensor bytes and count. */
  tensorBytes?: number;
  numTensors?: number;
}

/** The summary a run exports and persists (metrics separately, in batches). */
export interface RunSummary {
  id: string;
  name: string;
  config: RunConfig;
  createdAt: number;
  state: RunState;
  step: number;
  backend: BackendName;
}

/** The probe pairs a run evaluates, shipped to the page once so panels can show them. */
export interface ProbeSet {
  pairs: Pair[];
}
