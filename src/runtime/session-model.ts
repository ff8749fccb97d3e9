/**
 * The model side of a run session: its weights, and the policy of the current phase that trains
 * them (each phase starts a fresh optimizer). A run owns its model (OwnModel); the runs of a
 * replica session are replicas of one batched model (replica-session.ts's ReplicaSlot).
 */
import type { ModelConfig } from '../engine/model-config.ts';
import type { Transformer } from '../engine/model.ts';
import { Policy, type PhasePolicy, type PolicyOptions } from '../engine/policy.ts';
import type { Tokenizer } from '../engine/tokenizer.ts';
import type { NamedArray } from './run-checkpoint.ts';
import { modelArrays, modelFromArrays, optimizerArrays, restoreOptimizer } from './weights.ts';

export interface SessionModel {
  readonly config: ModelConfig;
  /** A new phase: its policy, with a fresh optimizer (the previous phase's optimizer and reference are dropped). */
  openPhase(options: PolicyOptions): PhasePolicy;
  /** The open phase's optimizer step and whether it holds a reference policy; undefined before the first phase. */
  phaseState(): { step: number; hasReference: boolean } | undefined;
  /** Checkpoint arrays: the weights ('w/'), and the open phase's moments ('m/', 'v/') and reference ('ref/'). */
  arrays(): Promise<NamedArray[]>;
  /** The open phase's optimizer state (and reference, when it had one) from checkpoint arrays. */
  restorePhase(arrays: NamedArray[], step: number, hasReference: boolean): void;
  dispose(): void;
}

/** A run's own model: one Policy per phase on the shared Transformer. */
export class OwnModel implements SessionModel {
  private policy?: Policy;

  constructor(
    private readonly model: Transformer,
    private readonly tokenizer: Tokenizer,
  ) {}

  get config(): ModelConfig {
    return this.model.config;
  }

  openPhase(options: PolicyOptions): PhasePolicy {
    if (this.policy) {
      this.policy.optimizer.dispose();
      this.policy.reference?.dispose();
    }
    this.policy = new Policy(this.tokenizer, options, this.model);
    return this.policy;
  }

  phaseState(): { step: number; hasReference: boolean } | undefined {
    const p = this.policy;
    return p && { step: p.optimizer.step, hasReference: Boolean(p.reference) };
  }

  async arrays(): Promise<NamedArray[]> {
    const p = this.policy;
    return [
      ...(await modelArrays(this.model)),
      ...(p ? await optimizerArrays(p.optimizer) : []),
      ...(p?.reference ? await modelArrays(p.reference, 'ref/') : []),
    ];
  }

  restorePhase(arrays: NamedArray[], step: number, hasReference: boolean): void {
    const p = this.policy;
    if (!p) throw new Error('no phase is open to restore into');
    restoreOptimizer(p.optimizer, arrays, step);
    if (hasReference) p.reference = modelFromArrays(this.model.config, arrays, 'ref/', false);
  }

  dispose(): void {
    if (this.policy) this.policy.dispose();
    else this.model.dispose();
  }
}
