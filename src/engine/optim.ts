/**
 * Adam(W) with global gradient-norm clipping and a learning-rate schedule. Written out (rather than
 * tf.train.adam) so the schedule, the clipping and the state for checkpoints are explicit.
 * The gradient norm stays on the device; the step returns it as a scalar for the packed metrics.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedAdamAvailable, fusedAdamUpdate } from './fused-adam.ts';

export type LrSchedule =
  | { kind: 'constant' }
  /** Linear warmup from 0 over warmupSteps, then cosine decay to minLrRatio * lr at totalSteps. */
  | { kind: 'cosine'; warmupSteps: number; totalSteps: number; minLrRatio?: number };

export interface OptimizerConfig {
  lr: number;
  schedule: LrSchedule;
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled weight decay (AdamW), applied to matrices only. 0 = Adam. */
  weightDecay: number;
  /** Clip the global gradient norm to this value (0 or Infinity: no clipping). */
  maxGradNorm: number;
}

export const DEFAULT_OPTIMIZER: OptimizerConfig = {
  lr: 3e-3,
  schedule: { kind: 'constant' },
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0,
  maxGradNorm: 1,
};

/** The learning rate for 0-based step `step`. */
export function learningRate(cfg: Pick<OptimizerConfig, 'lr' | 'schedule'>, step: number): number {
  const s = cfg.schedule;
  if (s.kind === 'constant') return cfg.lr;
  if (step < s.warmupSteps) return (cfg.lr * (step + 1)) / s.warmupSteps;
  const span = Math.max(1, s.totalSteps - s.warmupSteps);
  const progress = Math.min(1, (step - s.warmupSteps) / span);
  const minLr = cfg.lr * (s.minLrRatio ?? 0);
  return minLr + 0.5 * (cfg.lr - minLr) * (1 + Math.cos(Math.PI * progress));
}

export class Adam {
  config: OptimizerConfig;
  /** Number of updates applied so far. */
  step = 0;
  private readonly vars: tf.Variable[];
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(vars: tf.Variable[], config: OptimizerConfig) {
    this.config = config;
    this.vars = vars;
    this.m = vars.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
    this.v = vars.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
  }

  /**
   * One update from grads (keyed by variable name, as tf.variableGrads returns them; caller
   * disposes them). Returns the global gradient norm before clipping; caller disposes it.
   */
  apply(grads: tf.NamedTensorMap): tf.Scalar {
    const c = this.config;
    const lr = learningRate(c, this.step);
    this.step += 1;
    const bc1 = 1 - c.beta1 ** this.step;
    const bc2 = 1 - c.beta2 ** this.step;
    return tf.tidy(() => {
      const gs = this.vars.map((x) => grads[x.name] ?? tf.zerosLike(x));
      // Pairwise adds, not tf.addN: WebGPU's AddN binds every input at once and exceeds the
      // 8-storage-buffer limit of compatibility-mode (and default-limit) devices.
      const sq = gs.map((g) => tf.sum(tf.square(g)));
      const norm = tf.sqrt(sq.reduce((a, b) => tf.add(a, b))) as tf.Scalar;
      const clip = c.maxGradNorm > 0 && Number.isFinite(c.maxGradNorm);
      const scale = clip ? tf.minimum(1, tf.div(c.maxGradNorm, tf.add(norm, 1e-6))) : tf.scalar(1);
      const fused = fusedAdamAvailable();
      this.vars.forEach((x, i) => {
        if (fused) {
          // Same update in three kernels (fused-adam.ts): a step dispatches ~5x fewer kernels.
          const wd = c.weightDecay > 0 && x.rank > 1 ? c.weightDecay : 0;
          const r = fusedAdamUpdate(x, gs[i], this.m[i], this.v[i], scale, { lr, beta1: c.beta1, beta2: c.beta2, bc1, bc2, eps: c.eps, weightDecay: wd });
          this.m[i].assign(r.m);
          this.v[i].assign(r.v);
          x.assign(r.x);
          return;
        }
        const g = tf.mul(gs[i], scale);
        const m = tf.add(tf.mul(this.m[i], c.beta1), tf.mul(g, 1 - c.beta1));
        const v = tf.add(tf.mul(this.v[i], c.beta2), tf.mul(tf.square(g), 1 - c.beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        let update = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(v, bc2)), c.eps));
        if (c.weightDecay > 0 && x.rank > 1) update = tf.add(update, tf.mul(x, c.weightDecay));
        x.assign(tf.sub(x, tf.mul(update, lr)));
      });
      return norm;
    });
  }

  /** A new base learning rate from the next update on (the schedule still applies; a pretraining curriculum stage sets its own). */
  setLearningRate(lr: number): void {
    if (!(lr > 0)) throw new Error(`learning rate must be > 0 (got ${lr})`);
    if (lr !== this.config.lr) this.config = { ...this.config, lr };
  }

  /** Moment estimates in variable order, for checkpoints (not copies: do not dispose). */
  state(): { m: tf.Tensor[]; v: tf.Tensor[] } {
    return { m: this.m, v: this.v };
  }

  /** Restore moments and the step counter (shapes must match). */
  setState(m: tf.Tensor[], v: tf.Tensor[], step: number): void {
    if (m.length !== this.m.length || v.length !== this.v.length) throw new Error(`optimizer state has ${m.length} tensors, expected ${this.m.length}`);
    m.forEach((t, i) => this.m[i].assign(t));
    v.forEach((t, i) => this.v[i].assign(t));
    this.step = step;
  }

  dispose(): void {
    tf.dispose(this.m);
    tf.dispose(this.v);
  }
}
