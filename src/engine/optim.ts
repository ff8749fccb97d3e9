/**
 * Adam(W) with global gradient-norm clipping and a learning-rate schedule. Written out (rather than
 * tf.train.adam) so the schedule, the clipping and the state for checkpoints are explicit.
 * The gradient norm stays on the device; the step returns it as a scalar for the packed metrics.
 */
import * as tf from '@tensorflow/tfjs';
import { RUN_FIELDS } from '../config/fields.ts';
import { fusedAdamAvailable, fusedMoments, fusedParamUpdate, sumOfSquares } from './kernels/fused-adam.ts';

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

/** lr and maxGradNorm are the run configuration's defaults (learningRate, gradClip), by construction. */
export const DEFAULT_OPTIMIZER: OptimizerConfig = {
  lr: RUN_FIELDS.learningRate.default,
  schedule: { kind: 'constant' },
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0,
  maxGradNorm: RUN_FIELDS.gradClip.default,
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
  /** Per-variable moments (the composed path: wasm, cpu, or the fused update switched off). */
  private readonly m: tf.Variable[] = [];
  private readonly v: tf.Variable[] = [];
  /** The fused path (webgpu): every moment in one flat variable, m then v, [2N]; offsets per variable. */
  private readonly mv: tf.Variable | undefined;
  private readonly offsets: number[] = [];

  constructor(vars: tf.Variable[], config: OptimizerConfig) {
    this.config = config;
    this.vars = vars;
    if (fusedAdamAvailable()) {
      let n = 0;
      for (const x of vars) {
        this.offsets.push(n);
        n += x.size;
      }
      // fusedParamUpdate passes the offset as an f32 uniform: exact below 2^24.
      if (n >= 2 ** 24) throw new Error(`fused Adam supports up to 2^24 parameters (got ${n})`);
      this.mv = tf.tidy(() => tf.variable(tf.zeros([2 * n]), false));
      return;
    }
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
      const clip = c.maxGradNorm > 0 && Number.isFinite(c.maxGradNorm);
      const clipScale = (norm: tf.Scalar) =>
        clip ? tf.minimum(1, tf.div(c.maxGradNorm, tf.add(norm, 1e-6))) : tf.scalar(1);
      const mv = this.mv;
      if (mv) {
        // All gradients as one [N] (tfjs concatenates in groups of 7 inputs), the norm over it,
        // one kernel for every moment, one per variable for the weights (fused-adam.ts).
        const g = tf.concat(gs.map((t) => tf.reshape(t, [-1])));
        const norm = tf.sqrt(sumOfSquares(g)) as tf.Scalar;
        const k = { lr, beta1: c.beta1, beta2: c.beta2, bc1, bc2, eps: c.eps, weightDecay: 0 };
        const mv2 = fusedMoments(mv, g, clipScale(norm), k);
        mv.assign(mv2);
        this.vars.forEach((x, i) => {
          x.assign(
            fusedParamUpdate(x, mv2, this.offsets[i], {
              ...k,
              weightDecay: c.weightDecay > 0 && x.rank > 1 ? c.weightDecay : 0,
            }),
          );
        });
        return norm;
      }
      // Pairwise adds, not tf.addN: WebGPU's AddN binds every input at once and exceeds the
      // 8-storage-buffer limit of compatibility-mode (and default-limit) devices.
      const sq = gs.map((g) => tf.sum(tf.square(g)));
      const norm = tf.sqrt(sq.reduce((a, b) => tf.add(a, b))) as tf.Scalar;
      const scale = clipScale(norm);
      this.vars.forEach((x, i) => {
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

  /** Moment estimates in variable order, for checkpoints: new tensors the caller disposes. */
  state(): { m: tf.Tensor[]; v: tf.Tensor[] } {
    const mv = this.mv;
    if (!mv) return { m: this.m.map((t) => tf.clone(t)), v: this.v.map((t) => tf.clone(t)) };
    const N = mv.size / 2;
    const part = (base: number) =>
      this.vars.map((x, i) => tf.tidy(() => tf.reshape(tf.slice(mv, [base + this.offsets[i]], [x.size]), x.shape)));
    return { m: part(0), v: part(N) };
  }

  /** Restore moments and the step counter (shapes must match). */
  setState(m: tf.Tensor[], v: tf.Tensor[], step: number): void {
    const n = this.vars.length;
    if (m.length !== n || v.length !== n) throw new Error(`optimizer state has ${m.length} tensors, expected ${n}`);
    [...m, ...v].forEach((t, i) => {
      const x = this.vars[i % n];
      if (t.shape.join(',') !== x.shape.join(','))
        throw new Error(`optimizer state tensor ${i % n} has shape [${t.shape}], expected [${x.shape}]`);
    });
    const mv = this.mv;
    if (mv) {
      tf.tidy(() => mv.assign(tf.concat([...m, ...v].map((t) => tf.reshape(t, [-1])))));
    } else {
      m.forEach((t, i) => this.m[i].assign(t));
      v.forEach((t, i) => this.v[i].assign(t));
    }
    this.step = step;
  }

  dispose(): void {
    tf.dispose(this.m);
    tf.dispose(this.v);
    this.mv?.dispose();
  }
}
