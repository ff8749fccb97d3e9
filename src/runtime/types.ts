/**
 * The runtime's plain-data records: a run's configuration and what it reports while it trains.
 * Shared by the engine's run pipeline, the worker protocol, the store and the panels.
 * Everything here is JSON-serializable (no tensors, no class instances).
 */
import type { Pair } from '../tasks/types.ts';
import type { RunConfig } from '../config/fields.ts';
import type { BackendName } from '../engine/backend.ts';

export type { Method, ModelSize, LossType, ScaleRewards, RunConfig } from '../config/fields.ts';

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
