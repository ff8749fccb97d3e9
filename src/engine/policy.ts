/**
 * The policy the runtime trains: model + Adam + (when beta > 0) the frozen reference, with the
 * step methods. Each step is the four moves of docs/CONTRIBUTING.md: loss inside tf.variableGrads,
 * apply, dispose the gradients, read back one packed metrics tensor.
 */
import * as tf from '@tensorflow/tfjs';
import type { Pair, PromptText, RLItem } from '../tasks/types.ts';
import type { EncodedPrompt } from './batch.ts';
import { buildBatch, disposeInputs, encodePrompt, toModelInputs } from './batch.ts';
import type { ModelConfig, PresetName } from './model-config.ts';
import { modelConfig } from './model-config.ts';
import { RUN_FIELDS, type CaVariant, type LossType, type ScaleRewards } from '../config/fields.ts';
import { computeAdvantages, maskedCrossEntropy, zeroStdGroups } from './losses.ts';
import { Transformer } from './model.ts';
import type { CompletionTensors, PairTensors } from './objectives.ts';
import { caTerm, completionLogProbs, contextRlLoss, pairDelta } from './objectives.ts';
import type { OptimizerConfig } from './optim.ts';
import { Adam, DEFAULT_OPTIMIZER, learningRate } from './optim.ts';
import { Rng } from '../tasks/rng.ts';
import type { Rollouts, SampleOptions, ScoredRollouts } from './sample.ts';
import { generate } from './sample.ts';
import type { Tokenizer } from './tokenizer.ts';
import { hostGrpoMetrics, readMetrics, type StepMetrics } from './metrics.ts';
import { groundItems, groundPairs, type GroundingResult } from './grounding.ts';

export interface GrpoConfig {
  epsLow: number;
  epsHigh: number;
  /** KL weight; 0 keeps no reference model. */
  beta: number;
  lossType: LossType;
  scaleRewards: ScaleRewards;
  /** Updates per rollout batch (>= 1); the old log-probs are stored before the first. */
  numIterations: number;
  /** DAPO dynamic sampling: drop groups whose rewards are all equal. */
  dropZeroStd: boolean;
  /** The policy is softmax(logits / temperature) in sampling and update alike. */
  temperature: number;
}

export interface CaConfig {
  /** Weight of L_CA in L = L_GRPO + lambda * L_CA. */
  lambda: number;
  /** c: Delta is clipped to [-c, c]. */
  caClip: number;
  caVariant: CaVariant;
}

export interface PolicyConfig {
  model: ModelConfig;
  optimizer: OptimizerConfig;
  grpo: GrpoConfig;
  ca: CaConfig;
  seed: number;
}

/** The run configuration's defaults, by construction (src/config/fields.ts). */
const F = RUN_FIELDS;
export const DEFAULT_GRPO: GrpoConfig = {
  epsLow: F.epsLow.default,
  epsHigh: F.epsHigh.default,
  beta: F.beta.default,
  lossType: F.lossType.default,
  scaleRewards: F.scaleRewards.default,
  numIterations: 1,
  dropZeroStd: F.dropZeroStd.default,
  temperature: F.temperature.default,
};
export const DEFAULT_CA: CaConfig = {
  lambda: F.lambda.default,
  caClip: F.caClip.default,
  caVariant: F.caVariant.default,
};

export interface PolicyOptions {
  /** A preset name or explicit sizes; vocabSize comes from the tokenizer. */
  model?: PresetName | Partial<ModelConfig>;
  optimizer?: Partial<OptimizerConfig>;
  grpo?: Partial<GrpoConfig>;
  ca?: Partial<CaConfig>;
  seed?: number;
}

/** A supervised example: the loss covers target tokens + eos. */
export interface SFTExample {
  prompt: PromptText;
  target: string;
}

/** A pair prompt (`<query> <answer> | A: .. | B: .. | which ->`) and the letter of C+. */
export interface PairExample {
  prompt: PromptText;
  positiveLetter: 'A' | 'B';
}

export interface PairScores {
  delta: number[]; // logit(C+ letter) - logit(C- letter)  [P]
  pA: number[]; // P(next token = A)  [P]
  pB: number[];
  accuracy: number; // fraction with delta > 0
}

/**
 * What a run trains and evaluates through: a Policy, or one replica of a ReplicaPolicy (the
 * runtime's replica session), which does the same work batched with the other replicas'.
 */
export interface PhasePolicy {
  readonly tokenizer: Tokenizer;
  sftStep(batch: SFTExample[]): Promise<StepMetrics>;
  generate(prompts: PromptText[], G: number, options: SampleOptions): Promise<Rollouts>;
  grpoStep(rollouts: ScoredRollouts, pairs?: PairExample[]): Promise<StepMetrics>;
  evaluateGreedy(
    prompts: PromptText[],
    answers: string[],
    maxCompletionLength: number,
    batchSize?: number,
  ): Promise<{ accuracy: number; texts: string[] }>;
  scorePairs(pairs: PairExample[], batchSize?: number): Promise<PairScores>;
  /** Gradient x input grounding of the pairs as the probe shows them (grounding.ts groundPairs). */
  groundPairs(pairs: Pair[], seed: number): Promise<GroundingResult[]>;
  /** Gradient x input grounding of single-context items' answers (grounding.ts groundItems). */
  groundItems(items: RLItem[]): Promise<GroundingResult[]>;
}

/** Options over the defaults, checked; the model's config (when given) or options.model's. */
export function policyConfig(tokenizer: Tokenizer, options: PolicyOptions, model?: ModelConfig): PolicyConfig {
  const mc = model ?? modelConfig(options.model ?? 'nano', tokenizer.size);
  if (mc.vocabSize !== tokenizer.size)
    throw new Error(`model vocabSize ${mc.vocabSize} does not match the tokenizer (${tokenizer.size} tokens)`);
  const config = {
    model: mc,
    optimizer: { ...DEFAULT_OPTIMIZER, ...options.optimizer },
    grpo: { ...DEFAULT_GRPO, ...options.grpo },
    ca: { ...DEFAULT_CA, ...options.ca },
    seed: options.seed ?? 0,
  };
  if (!(config.grpo.numIterations >= 1))
    throw new Error(`numIterations must be >= 1 (got ${config.grpo.numIterations})`);
  return config;
}

export class Policy implements PhasePolicy {
  readonly tokenizer: Tokenizer;
  readonly config: PolicyConfig;
  readonly model: Transformer;
  readonly optimizer: Adam;
  /** pi_ref: frozen copy taken at the first GRPO step (or resetReference) when beta > 0. */
  reference?: Transformer;
  private readonly rng: Rng;

  constructor(tokenizer: Tokenizer, options: PolicyOptions = {}, model?: Transformer) {
    this.tokenizer = tokenizer;
    const seed = options.seed ?? 0;
    this.config = policyConfig(tokenizer, options, model?.config);
    this.model = model ?? new Transformer(this.config.model, seed);
    this.optimizer = new Adam(this.model.variables(), this.config.optimizer);
    this.rng = Rng.warmed(seed + 1);
  }

  /** Updates applied so far. */
  get step(): number {
    return this.optimizer.step;
  }

  /** Sample G completions per prompt (seeded from the policy's Rng unless options.seed). */
  generate(prompts: PromptText[], G: number, options: SampleOptions): Promise<Rollouts> {
    return generate(this.model, this.tokenizer, prompts, G, {
      ...options,
      temperature: options.temperature ?? this.config.grpo.temperature,
      seed: options.seed ?? this.rng.nextSeed(),
    });
  }

  /** Snapshot the current weights as pi_ref (the warm-start model). */
  resetReference(): void {
    this.reference?.dispose();
    this.reference = this.model.frozenCopy();
  }

  /** L: the completion slots (default the longest completion); extra slots are masked out. */
  private completionTensors(prompts: EncodedPrompt[], completions: number[][], L?: number): CompletionTensors {
    const hb = buildBatch(this.tokenizer, this.model.config, prompts, completions, L);
    return {
      inputs: toModelInputs(hb),
      Tp: hb.Tp,
      L: hb.L,
      targets: tf.tensor2d(hb.targets, [hb.B, hb.L], 'int32'),
      mask: tf.tensor2d(hb.targetMask, [hb.B, hb.L]),
    };
  }

  private pairTensors(pairs: PairExample[]): PairTensors {
    const tok = this.tokenizer;
    const hb = buildBatch(
      tok,
      this.model.config,
      pairs.map((p) => encodePrompt(tok, p.prompt)),
    );
    const idA = tok.id('A') as number;
    const idB = tok.id('B') as number;
    return {
      inputs: toModelInputs(hb),
      Tp: hb.Tp,
      positiveId: tf.tensor1d(
        pairs.map((p) => (p.positiveLetter === 'A' ? idA : idB)),
        'int32',
      ),
      negativeId: tf.tensor1d(
        pairs.map((p) => (p.positiveLetter === 'A' ? idB : idA)),
        'int32',
      ),
    };
  }

  /** variableGrads on f (which returns the loss and keeps a packed metrics tensor), apply, read back once. */
  private async update(
    f: () => { loss: tf.Scalar; metrics: [string, tf.Scalar][] },
    extra: StepMetrics = {},
  ): Promise<StepMetrics> {
    let names: string[] = [];
    let packed: tf.Tensor | undefined;
    const lr = learningRate(this.optimizer.config, this.optimizer.step);
    const { value, grads } = tf.variableGrads(() => {
      const r = f();
      names = ['loss', ...r.metrics.map(([n]) => n)];
      packed = tf.keep(tf.stack([r.loss, ...r.metrics.map(([, t]) => t)]));
      return r.loss;
    }, this.model.variables());
    const gradNorm = this.optimizer.apply(grads);
    tf.dispose(grads);
    value.dispose();
    const all = tf.tidy(() => tf.concat([packed as tf.Tensor, tf.reshape(gradNorm, [1])]));
    tf.dispose([packed as tf.Tensor, gradNorm]);
    return { ...(await readMetrics([...names, 'grad_norm'], all)), lr, step: this.optimizer.step, ...extra };
  }

  /** One supervised step (warm start, DA-SFT): masked next-token CE on target + eos. */
  async sftStep(batch: SFTExample[]): Promise<StepMetrics> {
    const tok = this.tokenizer;
    const ct = this.completionTensors(
      batch.map((e) => encodePrompt(tok, e.prompt)),
      batch.map((e) => [...tok.encode(e.target), tok.eos]),
    );
    try {
      return await this.update(() => {
        const loss = maskedCrossEntropy(this.model.logitsAt(ct.inputs, ct.Tp - 1, ct.L), ct.targets, ct.mask);
        return { loss, metrics: [['loss/sft', loss]] };
      });
    } finally {
      disposeCompletion(ct);
    }
  }

  /** One L_CA-only step on a pair batch (the unweighted selection loss). */
  async caStep(pairs: PairExample[]): Promise<StepMetrics> {
    const pt = this.pairTensors(pairs);
    try {
      return await this.update(() => caTerm(this.model, pt, this.config.ca.caClip, this.config.ca.caVariant));
    } finally {
      disposePair(pt);
    }
  }

  /**
   * GRPO on scored rollouts, plus lambda * L_CA on `pairs` when given, in one optimizer step
   * (numIterations steps on the same rollouts). Returns docs/METHOD.md section 3 metrics.
   */
  async grpoStep(rollouts: ScoredRollouts, pairs?: PairExample[]): Promise<StepMetrics> {
    const g = this.config.grpo;
    const G = rollouts.groupSize;
    const N = rollouts.completionIds.length;
    if (rollouts.rewards.length !== N)
      throw new Error(`rewards has ${rollouts.rewards.length} entries, expected ${N} (one per completion)`);
    const host = hostGrpoMetrics(rollouts);
    if (rollouts.advantages && rollouts.advantages.length !== N)
      throw new Error(`advantages has ${rollouts.advantages.length} entries, expected ${N} (one per completion)`);
    const advAll = rollouts.advantages ?? computeAdvantages(rollouts.rewards, G, g.scaleRewards); // A_i  [N]
    const zero = zeroStdGroups(rollouts.rewards, G);
    const keep = Array.from({ length: N }, (_, n) => n).filter((n) => !(g.dropZeroStd && zero[Math.floor(n / G)]));
    const hasPairs = pairs !== undefined && pairs.length > 0;
    if (keep.length === 0 && !hasPairs) return { ...host, skipped: 1, step: this.optimizer.step };
    if (g.beta > 0 && !this.reference) this.resetReference();
    // Rows with an empty completion keep an all-zero mask (they add nothing).
    const longest = Math.max(0, ...keep.map((n) => rollouts.completionIds[n].length));
    // On WebGPU every update gets maxCompletionLength completion slots (masked past each completion's end),
    // so the shapes, and with them the compiled shaders, repeat from step to step.
    const slots = tf.getBackend() === 'webgpu' ? Math.max(longest, rollouts.maxCompletionLength) : undefined;
    const ct =
      longest > 0
        ? this.completionTensors(
            keep.map((n) => rollouts.prompts[Math.floor(n / G)]),
            keep.map((n) => rollouts.completionIds[n]),
            slots,
          )
        : undefined;
    if (!ct && !hasPairs) return { ...host, skipped: 1, step: this.optimizer.step };
    const adv = tf.tensor1d(keep.map((n) => advAll[n]));
    const pt = hasPairs ? this.pairTensors(pairs) : undefined;
    const opts = {
      epsLow: g.epsLow,
      epsHigh: g.epsHigh,
      beta: g.beta,
      lossType: g.lossType,
      maxCompletionLength: rollouts.maxCompletionLength,
      temperature: g.temperature,
    };
    const ref = this.reference;
    const refLogp = ct && g.beta > 0 && ref ? tf.tidy(() => completionLogProbs(ref, ct, g.temperature)) : undefined;
    const oldLogp =
      ct && g.numIterations > 1 ? tf.tidy(() => completionLogProbs(this.model, ct, g.temperature)) : undefined;
    const ca = this.config.ca;
    try {
      let out: StepMetrics = {};
      for (let it = 0; it < g.numIterations; it++) {
        const m = await this.update(
          () =>
            contextRlLoss(
              this.model,
              ct && { batch: ct, advantages: adv, options: opts, oldLogp: it === 0 ? undefined : oldLogp, refLogp },
              pt && { pairs: pt, lambda: ca.lambda, caClip: ca.caClip, caVariant: ca.caVariant },
            ),
          host,
        );
        // TRL logs the mean over iterations.
        for (const [k, v] of Object.entries(m)) out[k] = (out[k] ?? 0) + v / g.numIterations;
        out = { ...out, step: m.step, lr: m.lr };
      }
      return { ...out, ...host };
    } finally {
      if (ct) disposeCompletion(ct);
      tf.dispose([adv, ...(refLogp ? [refLogp] : []), ...(oldLogp ? [oldLogp] : [])]);
      if (pt) disposePair(pt);
    }
  }

  /** Teacher-forced pair scores at the answer position (no update). */
  async scorePairs(pairs: PairExample[], batchSize = 64): Promise<PairScores> {
    const out: PairScores = { delta: [], pA: [], pB: [], accuracy: 0 };
    const idA = this.tokenizer.id('A') as number;
    const idB = this.tokenizer.id('B') as number;
    for (let s = 0; s < pairs.length; s += batchSize) {
      const chunk = pairs.slice(s, s + batchSize);
      const pt = this.pairTensors(chunk);
      const packed = tf.tidy(() => {
        const { delta, logits } = pairDelta(this.model, pt);
        const probs = tf.softmax(logits); // [P, V]
        return tf.stack([
          delta,
          tf.reshape(tf.slice(probs, [0, idA], [-1, 1]), [-1]),
          tf.reshape(tf.slice(probs, [0, idB], [-1, 1]), [-1]),
        ]); // [3, P]
      });
      disposePair(pt);
      const d = await packed.data();
      packed.dispose();
      const P = chunk.length;
      for (let i = 0; i < P; i++) {
        out.delta.push(d[i]);
        out.pA.push(d[P + i]);
        out.pB.push(d[2 * P + i]);
      }
    }
    out.accuracy = out.delta.length ? out.delta.filter((x) => x > 0).length / out.delta.length : 0;
    return out;
  }

  /** Greedy decoding accuracy: exact match of the trimmed completion with answers[i]. */
  async evaluateGreedy(
    prompts: PromptText[],
    answers: string[],
    maxCompletionLength: number,
    batchSize = 64,
  ): Promise<{ accuracy: number; texts: string[] }> {
    const texts: string[] = [];
    for (let s = 0; s < prompts.length; s += batchSize) {
      const r = await generate(this.model, this.tokenizer, prompts.slice(s, s + batchSize), 1, {
        maxCompletionLength,
        temperature: 0,
      });
      texts.push(...r.texts);
    }
    const correct = texts.filter((t, i) => t.trim() === answers[i].trim()).length;
    return { accuracy: prompts.length ? correct / prompts.length : 0, texts };
  }

  groundPairs(pairs: Pair[], seed: number): Promise<GroundingResult[]> {
    return groundPairs(this.model, this.tokenizer, pairs, seed, 'grad-input');
  }

  groundItems(items: RLItem[]): Promise<GroundingResult[]> {
    return groundItems(this.model, this.tokenizer, items, 'grad-input');
  }

  /** Model, optimizer state and reference in one call. */
  dispose(): void {
    this.model.dispose();
    this.optimizer.dispose();
    this.reference?.dispose();
    this.reference = undefined;
  }
}

function disposeCompletion(ct: CompletionTensors): void {
  disposeInputs(ct.inputs);
  tf.dispose([ct.targets, ct.mask]);
}

function disposePair(pt: PairTensors): void {
  disposeInputs(pt.inputs);
  tf.dispose([pt.positiveId, pt.negativeId]);
}
