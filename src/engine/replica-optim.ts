/**
 * Adam(W) for a replica model (replicas.ts): the update of optim.ts's Adam on every replica at
 * once, with each replica's own step counter, learning-rate schedule and gradient-norm clipping
 * (the global norm is per replica: replicas are independent runs). Replicas left out of an update
 * (`active` false) keep their weights, moments and step exactly. beta1, beta2, eps and the
 * weight decay are shared; lr, schedule and maxGradNorm may differ per replica.
 */
import * as tf from '@tensorflow/tfjs';
import { learningRate, type OptimizerConfig } from './optim.ts';
import { perReplica } from './replicas.ts';

export class ReplicaAdam {
  readonly R: number;
  /** Per replica: its optimizer settings and the updates applied since its last reset. */
  readonly configs: OptimizerConfig[];
  readonly steps: number[];
  private readonly vars: tf.Variable[]; // [R, ...]
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(vars: tf.Variable[], configs: OptimizerConfig[]) {
    this.R = configs.length;
    vars.forEach((x) => {
      if (x.shape[0] !== this.R) throw new Error(`variable ${x.name} has ${x.shape[0]} replicas, expected ${this.R}`);
    });
    configs.forEach((c, r) => checkShared(configs[0], c, r));
    this.configs = [...configs];
    this.steps = configs.map(() => 0);
    this.vars = vars;
    this.m = vars.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
    this.v = vars.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
  }

  /** A fresh optimizer for replica r (a new phase of its run): zero moments, step 0, these settings. */
  reset(r: number, config: OptimizerConfig): void {
    checkShared(this.configs[0], config, r);
    this.configs[r] = config;
    this.steps[r] = 0;
    const keep = this.mask([...Array(this.R).keys()].map((i) => i !== r));
    tf.tidy(() => {
      for (const t of [...this.m, ...this.v]) t.assign(tf.mul(t, perReplica(keep, t.rank)));
    });
    keep.dispose();
  }

  /** A new base learning rate for replica r (Adam.setLearningRate). */
  setLearningRate(r: number, lr: number): void {
    if (!(lr > 0)) throw new Error(`learning rate must be > 0 (got ${lr})`);
    if (lr !== this.configs[r].lr) this.configs[r] = { ...this.configs[r], lr };
  }

  /**
   * One update of the active replicas from grads (keyed by variable name, [R, ...] each; caller
   * disposes them). Returns each replica's gradient norm before clipping [R]; caller disposes it.
   */
  apply(grads: tf.NamedTensorMap, active: boolean[]): tf.Tensor1D {
    const R = this.R;
    if (active.length !== R) throw new Error(`active has ${active.length} entries, expected ${R}`);
    const c0 = this.configs[0];
    const lr: number[] = [];
    const bc1: number[] = [];
    const bc2: number[] = [];
    for (let r = 0; r < R; r++) {
      const c = this.configs[r];
      lr.push(active[r] ? learningRate(c, this.steps[r]) : 0);
      if (active[r]) this.steps[r] += 1;
      bc1.push(active[r] ? 1 - c.beta1 ** this.steps[r] : 1);
      bc2.push(active[r] ? 1 - c.beta2 ** this.steps[r] : 1);
    }
    const all = active.every(Boolean);
    return tf.tidy(() => {
      const gs = this.vars.map((x) => grads[x.name] ?? tf.zerosLike(x));
      // Per replica: the sum of squares over all but the replica axis, pairwise over the variables (optim.ts).
      const sq = gs.map((g) => tf.sum(tf.square(g), [...Array(g.rank).keys()].slice(1)));
      const norm = tf.sqrt(sq.reduce((a, b) => tf.add(a, b))) as tf.Tensor1D; // [R]
      const clips = this.configs.map((c) => c.maxGradNorm > 0 && Number.isFinite(c.maxGradNorm));
      const limit = tf.tensor1d(this.configs.map((c, r) => (clips[r] ? c.maxGradNorm : 1)));
      const clipped = tf.minimum(1, tf.div(limit, tf.add(norm, 1e-6)));
      const scale = clips.every(Boolean)
        ? clipped
        : tf.where(tf.cast(this.mask(clips), 'bool'), clipped, tf.onesLike(clipped));
      const on = all ? undefined : this.mask(active);
      const [lrT, bc1T, bc2T] = [lr, bc1, bc2].map((a) => tf.tensor1d(a));
      this.vars.forEach((x, i) => {
        const k = x.rank;
        const keep = (next: tf.Tensor, old: tf.Tensor) => (on ? tf.where(perMask(on, old.shape), next, old) : next);
        const g = tf.mul(gs[i], perReplica(scale, k));
        const m = tf.add(tf.mul(this.m[i], c0.beta1), tf.mul(g, 1 - c0.beta1));
        const v = tf.add(tf.mul(this.v[i], c0.beta2), tf.mul(tf.square(g), 1 - c0.beta2));
        this.m[i].assign(keep(m, this.m[i]));
        this.v[i].assign(keep(v, this.v[i]));
        let update = tf.div(tf.div(m, perReplica(bc1T, k)), tf.add(tf.sqrt(tf.div(v, perReplica(bc2T, k))), c0.eps));
        if (c0.weightDecay > 0 && k - 1 > 1) update = tf.add(update, tf.mul(x, c0.weightDecay));
        x.assign(keep(tf.sub(x, tf.mul(update, perReplica(lrT, k))), x));
      });
      return norm;
    });
  }

  /** Replica r's moments in variable order, for checkpoints: new tensors the caller disposes. */
  state(r: number): { m: tf.Tensor[]; v: tf.Tensor[] } {
    const part = (ts: tf.Variable[]) =>
      ts.map((t) =>
        tf.tidy(() => {
          const rest = t.shape.slice(1);
          return tf.reshape(tf.slice(t, [r, ...rest.map(() => 0)], [1, ...rest]), rest);
        }),
      );
    return { m: part(this.m), v: part(this.v) };
  }

  /** Restore replica r's moments and step counter (one-model shapes). */
  setState(r: number, m: tf.Tensor[], v: tf.Tensor[], step: number): void {
    const n = this.vars.length;
    if (m.length !== n || v.length !== n) throw new Error(`optimizer state has ${m.length} tensors, expected ${n}`);
    [...m, ...v].forEach((t, i) => {
      const want = this.vars[i % n].shape.slice(1);
      if (t.shape.join(',') !== want.join(','))
        throw new Error(`optimizer state tensor ${i % n} has shape [${t.shape}], expected [${want}]`);
    });
    const hot = this.mask([...Array(this.R).keys()].map((i) => i === r));
    tf.tidy(() => {
      [...this.m, ...this.v].forEach((t, i) => {
        const src = i < n ? m[i] : v[i - n];
        t.assign(tf.where(perMask(hot, t.shape), tf.broadcastTo(tf.expandDims(src, 0), t.shape), t));
      });
    });
    hot.dispose();
    this.steps[r] = step;
  }

  /** 1 / 0 per replica as a float [R] (caller disposes). */
  private mask(flags: boolean[]): tf.Tensor1D {
    return tf.tensor1d(flags.map((f) => (f ? 1 : 0)));
  }

  dispose(): void {
    tf.dispose(this.m);
    tf.dispose(this.v);
  }
}

/** A boolean mask [R] broadcast to shape [R, ...] for tf.where. */
function perMask(mask: tf.Tensor, shape: number[]): tf.Tensor {
  return tf.broadcastTo(tf.cast(perReplica(mask, shape.length), 'bool'), shape);
}

function checkShared(a: OptimizerConfig, b: OptimizerConfig, r: number): void {
  for (const k of ['beta1', 'beta2', 'eps', 'weightDecay'] as const)
    if (a[k] !== b[k]) throw new Error(`replica ${r}'s ${k} is ${b[k]}, replica 0's ${a[k]}: replicas share ${k}`);
}
