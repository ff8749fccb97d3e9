/**
 * What one training run looks like from the outside (the worker handler, the CLI, tests): a
 * deterministic state machine advanced one unit of work at a time. Every unit's randomness comes
 * from (seed, unit index), so pausing, single-stepping and save/load/continue give the same result
 * as an uninterrupted run.
 */
import type { BackendName } from '../engine/backend.ts';
import type { EvalRecord, MetricRow, RolloutGroup, RunProgress, SelectionRecord } from './types.ts';

/** What one unit of work produced (plain data). */
export interface StepReport {
  /** Metric rows to stream (usually one). */
  rows: MetricRow[];
  /** A few rollout groups of this RL step, for the inspector. */
  rollouts?: { step: number; groups: RolloutGroup[] };
  eval?: EvalRecord;
  selection?: SelectionRecord[];
}

export interface RunSessionLike {
  /** Units of work done (warm-start + da-sft + RL steps), the index the next unit's seed derives from. */
  readonly unit: number;
  readonly totalUnits: number;
  readonly done: boolean;
  readonly backend: BackendName;
  /** The RL step shown to users (0 during warm-start and DA-SFT). */
  readonly rlStep: number;
  progress(): RunProgress;
  /**
   * WebGPU only (optional): compiles the next unit's shaders before it runs, reporting
   * (done, total); returns how many it compiled, or undefined where there is nothing to do.
   */
  warmShaders?(
    onProgress?: (done: number, total: number) => void,
  ): Promise<{ programs: number; ms: number } | undefined>;
  /** Performs the next unit of work (a final evaluation is part of the last unit). */
  stepOnce(): Promise<StepReport>;
  /** Evaluates now on the benchmark suite and the selection probe. */
  evaluate(): Promise<{ record: EvalRecord; selection: SelectionRecord[] }>;
  /** The whole resumable state as one buffer. */
  save(): Promise<ArrayBuffer>;
  dispose(): void;
}
