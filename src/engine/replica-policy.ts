/**
 * R policies trained as one batched model (replicas.ts): Policy's steps for every replica at once.
 * Each method takes one entry per replica (undefined: the replica sits this one out) and returns
 * one per replica; replica r's result equals what a Policy with replica r's weights, optimizer
 * state and settings returns for the same input (the tests compare them). Replicas differ in
 * seed, data, learning-rate schedule and lambda; the settings a batched kernel shares (GRPO's
 * clip range, loss type, beta, temperature; L_CA's clip and variant; Adam's betas) must agree
 * among the replicas of one step. Short replicas are padded with masked rows.
 */
import * as tf from '@tensorflow/tfjs';
import type { Pair, PromptText, RLItem } from '../tasks/types.ts';
import { Rng } from '../tasks/rng.ts';
import type { EncodedPrompt } from './batch.ts';
import { buildBatch, disposeInputs, encodePrompt, toModelInputs } from './batch.ts';
import { groundItemsReplicas, groundPairsReplicas, type GroundingResult } from './grounding.ts';
import { computeAdvantages, maskedCrossEntropy, zeroStdGroups } from './losses.ts';
import { hostGrpoMetrics, type StepMetrics } from './metrics.ts';
import type { Transformer } from './model.ts';
import type { CompletionTensors, PairTensors } from './objectives.ts';
import { caTerm, completionLogProbs, contextRlLoss, pairDelta } from './objectives.ts';
import { learningRate } from './optim.ts';
import {
  policyConfig,
  type PairExample,
  type PairScores,
  type PolicyConfig,
  type PolicyOptions,
  type SFTExample,
} from './policy.ts';
import { ReplicaAdam } from './replica-optim.ts';
import { generateReplicas, type Rollouts, type SampleOptions, type ScoredRollouts } from './sample.ts';
import type { Tokenizer } from './tokenizer.ts';

/** One entry per replica; undefined: the replica takes no part. */
export type PerReplica<T> = (T | undefined)[];

/** A replica's GRPO step: its scored rollouts and (contextrl) its L_CA pairs. */
export interface ReplicaGrpoWork {
  rollouts: ScoredRollouts;
  pairs?: PairExample[];
}

const GRPO_METRICS = new Set([
  'loss/grpo',
  'kl',
  'entropy',
  'clip_ratio/low_mean',
  'clip_ratio/high_mean',
  'clip_ratio/region_mean',
]);

export class ReplicaPolicy {
  readonly tokenizer: Tokenizer;
  /** The replica model [R, ...] (owned: dispose() disposes it). */
  readonly model: Transformer;
  readonly optimizer: ReplicaAdam;
  readonly R: number;
  /** Per replica: seed, optimizer, GRPO and L_CA settings of its current phase. */
  readonly configs: PolicyConfig[];
  /** pi_ref of every replica that has one (hasReference): taken at its phase's first GRPO step when beta > 0. */
  reference?: Transformer;
  readonly hasReference: boolean[];
  private readonly rngs: Rng[];

  constructor(tokenizer: Tokenizer, model: Transformer, options: PolicyOptions[]) {
    const R = model.replicas;
    if (R === undefined || options.length !== R)
      throw new Error(
        `a replica policy needs a replica model and one options object per replica (got ${options.length})`,
      );
    this.tokenizer = tokenizer;
    this.model = model;
    this.R = R;
    this.configs = options.map((o) => policyConfig(tokenizer, o, model.config));
    this.optimizer = new ReplicaAdam(
      model.variables(),
      this.configs.map((c) => c.optimizer),
    );
    this.hasReference = options.map(() => false);
    this.rngs = this.configs.map((c) => Rng.warmed(c.seed + 1));
  }

  /** Replica r starts a new phase (RunSession's per-phase Policy): fresh optimizer, no reference, these settings. */
  openPhase(r: number, options: PolicyOptions): void {
    this.configs[r] = policyConfig(this.tokenizer, options, this.model.config);
    this.optimizer.reset(r, this.configs[r].optimizer);
    this.hasReference[r] = false;
    this.rngs[r] = Rng.warmed(this.configs[r].seed + 1);
  }

  /** Updates replica r has applied in its phase. */
  step(r: number): number {
    return this.optimizer.steps[r];
  }

  /** A sampling seed from replica r's Rng (Policy.generate without options.seed). */
  nextSeed(r: number): number {
    return this.rngs[r].nextSeed();
  }

  /** Replica r's pi_ref := its current weights. */
  resetReference(r: number): void {
    if (!this.reference) this.reference = this.model.frozenCopy();
    else this.setReference(r, this.model.replicaParams(r));
    this.hasReference[r] = true;
  }

  /** Replica r's pi_ref from one-model weights (a checkpoint); takes the tensors. */
  setReference(r: number, params: Map<string, tf.Tensor>): void {
    if (!this.reference) this.reference = this.model.frozenCopy();
    this.reference.setReplicaParams(r, params);
    tf.dispose([...params.values()]);
    this.hasReference[r] = true;
  }

  /** Batches of R blocks: replica r's rows, then copies of a filler row up to the longest block. */
  private blocks<T>(per: PerReplica<T[]>): { rows: T[]; counts: number[]; N: number } {
    const counts = per.map((p) => p?.length ?? 0);
    const N = Math.max(1, ...counts);
    const filler = per.find((p) => p && p.length)?.[0];
    if (filler === undefined) throw new Error('a replica batch needs at least one row');
    const rows = per.flatMap((p) => [...(p ?? []), ...new Array<T>(N - (p?.length ?? 0)).fill(filler)]);
    return { rows, counts, N };
  }

  /** Completion tensors of R blocks; L: completion slots (default the longest). */
  private completionTensors(
    per: PerReplica<{ prompt: EncodedPrompt; completion: number[] }[]>,
    L?: number,
  ): CompletionTensors {
    const { rows, counts, N } = this.blocks(per);
    // Padding rows keep an empty completion (mask 0).
    const completions = rows.map((x, i) => (i % N < counts[Math.floor(i / N)] ? x.completion : []));
    const hb = buildBatch(
      this.tokenizer,
      this.model.config,
      rows.map((x) => x.prompt),
      completions,
      L,
    );
    return {
      inputs: toModelInputs(hb),
      Tp: hb.Tp,
      L: hb.L,
      targets: tf.tensor2d(hb.targets, [hb.B, hb.L], 'int32'),
      mask: tf.tensor2d(hb.targetMask, [hb.B, hb.L]),
      rows: counts,
    };
  }

  private pairTensors(per: PerReplica<PairExample[]>): PairTensors {
    const tok = this.tokenizer;
    const { rows, counts, N } = this.blocks(per);
    const hb = buildBatch(
      tok,
      this.model.config,
      rows.map((p) => encodePrompt(tok, p.prompt)),
    );
    const idA = tok.id('A') as number;
    const idB = tok.id('B') as number;
    const padded = counts.some((n) => n !== N);
    return {
      inputs: toModelInputs(hb),
      Tp: hb.Tp,
      positiveId: tf.tensor1d(
        rows.map((p) => (p.positiveLetter === 'A' ? idA : idB)),
        'int32',
      ),
      negativeId: tf.tensor1d(
        rows.map((p) => (p.positiveLetter === 'A' ? idB : idA)),
        'int32',
      ),
      pairs: counts,
      pairMask: padded
        ? tf.tensor2d(
            counts.flatMap((n) => Array.from({ length: N }, (_, i) => (i < n ? 1 : 0))),
            [this.R, N],
          )
        : undefined,
    };
  }

  /**
   * Policy.update for the active replicas: f returns one loss and metrics per replica [R]; the
   * gradient of their sum holds each replica's own gradient (the replicas share no weight).
   * want(r, name): whether replica r reports the metric (a replica without pairs has no loss/ca).
   */
  private async update(
    active: boolean[],
    f: () => { loss: tf.Scalar; metrics: [string, tf.Scalar][] },
    want: (r: number, name: string) => boolean,
    extra: StepMetrics[],
  ): Promise<PerReplica<StepMetrics>> {
    let names: string[] = [];
    let packed: tf.Tensor | undefined;
    const lrs = this.configs.map((c, r) => learningRate(c.optimizer, this.optimizer.steps[r]));
    const { value, grads } = tf.variableGrads(() => {
      const r = f();
      names = ['loss', ...r.metrics.map(([n]) => n)];
      packed = tf.keep(tf.stack([r.loss, ...r.metrics.map(([, t]) => t)])); // [K, R]
      return tf.sum(r.loss) as tf.Scalar;
    }, this.model.variables());
    const gradNorm = this.optimizer.apply(grads, active);
    tf.dispose(grads);
    value.dispose();
    const all = tf.tidy(() => tf.concat([packed as tf.Tensor, tf.reshape(gradNorm, [1, this.R])])); // [K + 1, R]
    tf.dispose([packed as tf.Tensor, gradNorm]);
    const data = await all.data();
    all.dispose();
    const allNames = [...names, 'grad_norm'];
    return active.map((on, r) => {
      if (!on) return undefined;
      const keep = allNames.map((n, k) => [n, k] as const).filter(([n]) => n === 'grad_norm' || want(r, n));
      const col = new Float32Array(keep.length);
      keep.forEach(([, k], i) => (col[i] = data[k * this.R + r]));
      return {
        ...readColumn(
          keep.map(([n]) => n),
          col,
        ),
        lr: lrs[r],
        step: this.optimizer.steps[r],
        ...extra[r],
      };
    });
  }

  /** Policy.sftStep for every replica with a batch. */
  async sftStep(batches: PerReplica<SFTExample[]>): Promise<PerReplica<StepMetrics>> {
    const tok = this.tokenizer;
    batches.forEach((b) => {
      if (b && b.length === 0) throw new Error('empty batch: at least one prompt is needed');
    });
    const active = batches.map((b) => b !== undefined);
    if (!active.some(Boolean)) return batches.map(() => undefined);
    const ct = this.completionTensors(
      batches.map((b) =>
        b?.map((e) => ({ prompt: encodePrompt(tok, e.prompt), completion: [...tok.encode(e.target), tok.eos] })),
      ),
    );
    try {
      return await this.update(
        active,
        () => {
          const logits = this.model.logitsAt(ct.inputs, ct.Tp - 1, ct.L);
          const loss = maskedCrossEntropy(logits, ct.targets, ct.mask, this.R);
          return { loss, metrics: [['loss/sft', loss]] };
        },
        () => true,
        [],
      );
    } finally {
      disposeCompletion(ct);
    }
  }

  /** Policy.caStep for every replica with pairs: one L_CA-only update. */
  async caStep(per: PerReplica<PairExample[]>): Promise<PerReplica<StepMetrics>> {
    const active = per.map((p) => p !== undefined);
    if (!active.some(Boolean)) return per.map(() => undefined);
    const first = active.indexOf(true);
    const lead = this.configs[first].ca;
    active.forEach((on, r) => {
      if (on) sameSettings(r, first, this.configs[r], this.configs[first], { grpo: false, ca: true });
    });
    const pt = this.pairTensors(per);
    try {
      return await this.update(
        active,
        () => caTerm(this.model, pt, lead.caClip, lead.caVariant),
        () => true,
        [],
      );
    } finally {
      disposePair(pt);
    }
  }

  /** Policy.grpoStep for every replica with work, in one update (numIterations updates). */
  async grpoStep(work: PerReplica<ReplicaGrpoWork>): Promise<PerReplica<StepMetrics>> {
    const out: PerReplica<StepMetrics> = work.map(() => undefined);
    const host: StepMetrics[] = [];
    const rl: PerReplica<{ prompt: EncodedPrompt; completion: number[] }[]> = work.map(() => undefined);
    const adv: PerReplica<number[]> = work.map(() => undefined);
    const pairs: PerReplica<PairExample[]> = work.map(() => undefined);
    const slots: number[] = [];
    const webgpu = tf.getBackend() === 'webgpu';
    work.forEach((w, r) => {
      if (!w) return;
      const { rollouts } = w;
      const g = this.configs[r].grpo;
      const G = rollouts.groupSize;
      const N = rollouts.completionIds.length;
      if (rollouts.rewards.length !== N)
        throw new Error(`rewards has ${rollouts.rewards.length} entries, expected ${N} (one per completion)`);
      host[r] = hostGrpoMetrics(rollouts);
      if (rollouts.advantages && rollouts.advantages.length !== N)
        throw new Error(`advantages has ${rollouts.advantages.length} entries, expected ${N} (one per completion)`);
      const advAll = rollouts.advantages ?? computeAdvantages(rollouts.rewards, G, g.scaleRewards);
      const zero = zeroStdGroups(rollouts.rewards, G);
      const keep = Array.from({ length: N }, (_, n) => n).filter((n) => !(g.dropZeroStd && zero[Math.floor(n / G)]));
      const hasPairs = w.pairs !== undefined && w.pairs.length > 0;
      if (keep.length === 0 && !hasPairs) {
        out[r] = { ...host[r], skipped: 1, step: this.step(r) };
        return;
      }
      if (g.beta > 0 && !this.hasReference[r]) this.resetReference(r);
      const longest = Math.max(0, ...keep.map((n) => rollouts.completionIds[n].length));
      if (longest === 0 && !hasPairs) {
        out[r] = { ...host[r], skipped: 1, step: this.step(r) };
        return;
      }
      if (longest > 0) {
        rl[r] = keep.map((n) => ({
          prompt: rollouts.prompts[Math.floor(n / G)],
          completion: rollouts.completionIds[n],
        }));
        adv[r] = keep.map((n) => advAll[n]);
        if (webgpu) slots.push(Math.max(longest, rollouts.maxCompletionLength));
      }
      if (hasPairs) pairs[r] = w.pairs;
    });
    const hasRl = work.map((_, r) => rl[r] !== undefined);
    const hasCa = work.map((_, r) => pairs[r] !== undefined);
    const active = work.map((_, r) => hasRl[r] || hasCa[r]);
    const lead = active.indexOf(true);
    if (lead < 0) return out;
    const g = this.configs[lead].grpo;
    const ca = this.configs[lead].ca;
    active.forEach((on, r) => {
      if (on) sameSettings(r, lead, this.configs[r], this.configs[lead], { grpo: true, ca: hasCa[r] && hasCa[lead] });
    });
    const maxLen = work[lead]!.rollouts.maxCompletionLength;
    const ct = hasRl.some(Boolean) ? this.completionTensors(rl, webgpu ? Math.max(...slots) : undefined) : undefined;
    // A_i per row of each replica's block, 0 on padding rows.  [R * N]
    const rowsPer = ct ? ct.targets.shape[0] / this.R : 0;
    const advT = ct
      ? tf.tensor1d(
          work.flatMap((_, r) => [...(adv[r] ?? []), ...new Array<number>(rowsPer - (adv[r]?.length ?? 0)).fill(0)]),
        )
      : undefined;
    const pt = hasCa.some(Boolean) ? this.pairTensors(pairs) : undefined;
    const lambda = tf.tensor1d(this.configs.map((c) => c.ca.lambda));
    const opts = {
      epsLow: g.epsLow,
      epsHigh: g.epsHigh,
      beta: g.beta,
      lossType: g.lossType,
      maxCompletionLength: maxLen,
      temperature: g.temperature,
    };
    const ref = this.reference;
    const refLogp = ct && g.beta > 0 && ref ? tf.tidy(() => completionLogProbs(ref, ct, g.temperature)) : undefined;
    const oldLogp =
      ct && g.numIterations > 1 ? tf.tidy(() => completionLogProbs(this.model, ct, g.temperature)) : undefined;
    const want = (r: number, name: string) => (GRPO_METRICS.has(name) ? hasRl[r] : name === 'loss' || hasCa[r]);
    try {
      const acc: StepMetrics[] = work.map(() => ({}));
      for (let it = 0; it < g.numIterations; it++) {
        const m = await this.update(
          active,
          () =>
            contextRlLoss(
              this.model,
              ct &&
                advT && {
                  batch: ct,
                  advantages: advT,
                  options: opts,
                  oldLogp: it === 0 ? undefined : oldLogp,
                  refLogp,
                },
              pt && { pairs: pt, lambda, caClip: ca.caClip, caVariant: ca.caVariant },
            ),
          want,
          host,
        );
        m.forEach((mr, r) => {
          if (!mr) return;
          // TRL logs the mean over iterations (Policy.grpoStep).
          for (const [k, v] of Object.entries(mr)) acc[r][k] = (acc[r][k] ?? 0) + v / g.numIterations;
          acc[r] = { ...acc[r], step: mr.step, lr: mr.lr };
        });
      }
      active.forEach((on, r) => {
        if (on) out[r] = { ...acc[r], ...host[r] };
      });
      return out;
    } finally {
      if (ct) disposeCompletion(ct);
      tf.dispose([lambda, ...(advT ? [advT] : []), ...(refLogp ? [refLogp] : []), ...(oldLogp ? [oldLogp] : [])]);
      if (pt) disposePair(pt);
    }
  }

  /** Policy.generate for every replica with prompts (seed: the request's, else the replica's Rng). */
  generate(
    requests: PerReplica<{ prompts: PromptText[]; seed?: number }>,
    G: number,
    options: SampleOptions,
  ): Promise<PerReplica<Rollouts>> {
    return generateReplicas(
      this.model,
      this.tokenizer,
      requests.map((q, r) => q && { prompts: q.prompts, seed: q.seed ?? this.nextSeed(r) }),
      G,
      options,
    );
  }

  /** Policy.scorePairs for every replica with pairs, in batches of batchSize pairs per replica. */
  async scorePairs(per: PerReplica<PairExample[]>, batchSize = 64): Promise<PerReplica<PairScores>> {
    const out: PairScores[] = per.map(() => ({ delta: [], pA: [], pB: [], accuracy: 0 }));
    const idA = this.tokenizer.id('A') as number;
    const idB = this.tokenizer.id('B') as number;
    const longest = Math.max(0, ...per.map((p) => p?.length ?? 0));
    for (let s = 0; s < longest; s += batchSize) {
      const chunks = per.map((p) => p?.slice(s, s + batchSize));
      const pt = this.pairTensors(chunks);
      const packed = tf.tidy(() => {
        const { delta, logits } = pairDelta(this.model, pt);
        const probs = tf.softmax(logits); // [R * P, V]
        return tf.stack([
          delta,
          tf.reshape(tf.slice(probs, [0, idA], [-1, 1]), [-1]),
          tf.reshape(tf.slice(probs, [0, idB], [-1, 1]), [-1]),
        ]); // [3, R * P]
      });
      const P = pt.positiveId.shape[0];
      const n = P / this.R;
      disposePair(pt);
      const d = await packed.data();
      packed.dispose();
      chunks.forEach((c, r) => {
        for (let i = 0; i < (c?.length ?? 0); i++) {
          out[r].delta.push(d[r * n + i]);
          out[r].pA.push(d[P + r * n + i]);
          out[r].pB.push(d[2 * P + r * n + i]);
        }
      });
    }
    return per.map((p, r) => {
      if (!p) return undefined;
      const o = out[r];
      o.accuracy = o.delta.length ? o.delta.filter((x) => x > 0).length / o.delta.length : 0;
      return o;
    });
  }

  /** Policy.groundPairs for every replica with pairs. */
  groundPairs(per: PerReplica<{ pairs: Pair[]; seed: number }>): Promise<PerReplica<GroundingResult[]>> {
    return groundPairsReplicas(this.model, this.tokenizer, per, 'grad-input');
  }

  groundItems(per: PerReplica<RLItem[]>): Promise<PerReplica<GroundingResult[]>> {
    return groundItemsReplicas(this.model, this.tokenizer, per, 'grad-input');
  }

  /** Model, optimizer state and reference in one call. */
  dispose(): void {
    this.model.dispose();
    this.optimizer.dispose();
    this.reference?.dispose();
    this.reference = undefined;
  }
}

/** {name: value} from a column of values in names' order (metrics.ts readMetrics, already read). */
function readColumn(names: string[], values: Float32Array): StepMetrics {
  const out: StepMetrics = {};
  names.forEach((n, i) => {
    out[n] = values[i];
  });
  return out;
}

/** Throws unless replica r's batched settings equal the lead replica's. */
function sameSettings(
  r: number,
  lead: number,
  a: PolicyConfig,
  b: PolicyConfig,
  check: { grpo: boolean; ca: boolean },
): void {
  const keys = ['epsLow', 'epsHigh', 'beta', 'lossType', 'numIterations', 'temperature'] as const;
  if (check.grpo)
    for (const k of keys)
      if (a.grpo[k] !== b.grpo[k])
        throw new Error(`replica ${r}'s ${k} is ${a.grpo[k]}, replica ${lead}'s ${b.grpo[k]}: one step shares ${k}`);
  if (check.ca)
    for (const k of ['caClip', 'caVariant'] as const)
      if (a.ca[k] !== b.ca[k])
        throw new Error(`replica ${r}'s ${k} is ${a.ca[k]}, replica ${lead}'s ${b.ca[k]}: one step shares ${k}`);
}

function disposeCompletion(ct: CompletionTensors): void {
  disposeInputs(ct.inputs);
  tf.dispose([ct.targets, ct.mask]);
}

function disposePair(pt: PairTensors): void {
  disposeInputs(pt.inputs);
  tf.dispose([pt.positiveId, pt.negativeId, ...(pt.pairMask ? [pt.pairMask] : [])]);
}
