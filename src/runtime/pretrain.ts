/**
 * Pretraining of a bundled base model: supervised steps on items (the answer) and easy pairs (the
 * C+ letter), following the spec's curriculum. Step s draws its batch from (seed, s), so a resumed
 * pretraining continues exactly as an uninterrupted one would.
 */
import * as tf from '@tensorflow/tfjs';
import type { Domain } from '../tasks/types.ts';
import { Transformer } from '../engine/model.ts';
import { ReplicaPolicy } from '../engine/replica-policy.ts';
import { modelConfig } from '../engine/model-config.ts';
import { Policy, type PairExample, type SFTExample } from '../engine/policy.ts';
import type { StepMetrics } from '../engine/metrics.ts';
import { unitSeed } from './budget.ts';
import { packRunCheckpoint, unpackRunCheckpoint, type BaseModelMeta } from './run-checkpoint.ts';
import {
  domainVocabulary,
  evalSets,
  getDomain,
  itemExample,
  knobsFor,
  makeTokenizer,
  pairExample,
  probePairs,
} from './domains.ts';
import { baseFigures, type BaseFigures } from './evaluate.ts';
import { stageAt, type PretrainSpec } from '../config/presets.ts';
import { initModel, modelArrays, modelFromArrays, optimizerArrays, restoreOptimizer } from './weights.ts';

/** Step `step`'s items (answer targets) and easy pairs (C+ letter), drawn from (seed, step). */
export function pretrainExamples(
  domain: Domain,
  spec: PretrainSpec,
  seed: number,
  step: number,
): { items: SFTExample[]; pairs: PairExample[] } {
  const stage = stageAt(spec, step);
  const k = knobsFor(domain, stage.knobs);
  const nPairs = Math.round(spec.batchSize * (stage.easyPairShare ?? spec.easyPairShare));
  const items = domain.items(unitSeed(seed, 'pretrain-items', step), spec.batchSize - nPairs, k).map(itemExample);
  const pairs =
    nPairs > 0
      ? domain
          .pairs(unitSeed(seed, 'pretrain-pairs', step), nPairs, { ...k, hardness: 'easy' })
          .pairs.map((p) => pairExample(p, seed))
      : [];
  return { items, pairs };
}

/** The same examples as one supervised batch: pairs become prompts with the C+ letter as target. */
export function pretrainBatch(domain: Domain, spec: PretrainSpec, seed: number, step: number): SFTExample[] {
  const { items, pairs } = pretrainExamples(domain, spec, seed, step);
  return [...items, ...pairs.map((e) => ({ prompt: e.prompt, target: e.positiveLetter }))];
}

export class Pretrainer {
  private constructor(
    readonly spec: PretrainSpec,
    readonly seed: number,
    readonly domain: Domain,
    readonly policy: Policy,
    public step: number,
    readonly vocabulary: string[],
    public elapsedMs: number,
  ) {}

  /** A fresh pretraining, or a resumed one from a base-model file written by save(). */
  static create(spec: PretrainSpec, seed: number, resume?: ArrayBuffer): Pretrainer {
    const domain = getDomain(spec.domain);
    const optimizer = {
      lr: spec.learningRate,
      schedule: { kind: 'cosine' as const, warmupSteps: spec.warmupSteps, totalSteps: 1e9, minLrRatio: 1 },
      maxGradNorm: 1,
    };
    if (resume) {
      const ck = unpackRunCheckpoint(resume);
      if (ck.meta.kind !== 'base') throw new Error('resume file is not a base model');
      const m = ck.meta;
      if (m.preset !== spec.name || m.seed !== seed)
        throw new Error(`resume file is for preset ${m.preset} seed ${m.seed}, not ${spec.name} seed ${seed}`);
      const model = modelFromArrays(m.modelConfig, ck.tensors);
      const policy = new Policy(makeTokenizer(m.vocabulary), { optimizer, seed }, model);
      if (m.hasOptimizer) restoreOptimizer(policy.optimizer, ck.tensors, m.optimizerStep);
      return new Pretrainer(spec, seed, domain, policy, m.step, m.vocabulary, m.elapsedMs);
    }
    const vocabulary = domainVocabulary(domain);
    const tok = makeTokenizer(vocabulary);
    const policy = new Policy(
      tok,
      { optimizer, seed },
      initModel(modelConfig(spec.modelSize, tok.size, spec.model), seed),
    );
    return new Pretrainer(spec, seed, domain, policy, 0, vocabulary, 0);
  }

  /**
   * One pretraining step. pairLoss "sft": one supervised step on items and pair letters together;
   * "ca": a supervised step on the items, then an L_CA step on the pairs (two optimizer steps, so
   * the selection gradient is not drowned by the answer tokens: docs/ABLATION.md, "base model").
   */
  async trainStep(): Promise<{ metrics: StepMetrics; stage: string; caLoss?: number }> {
    const t0 = performance.now();
    const stage = stageAt(this.spec, this.step);
    this.policy.optimizer.setLearningRate(stage.learningRate ?? this.spec.learningRate);
    let m: StepMetrics;
    let caLoss: number | undefined;
    if ((this.spec.pairLoss ?? 'sft') === 'ca') {
      const { items, pairs } = pretrainExamples(this.domain, this.spec, this.seed, this.step);
      m = await this.policy.sftStep(items);
      if (pairs.length) caLoss = (await this.policy.caStep(pairs)).loss;
    } else {
      m = await this.policy.sftStep(pretrainBatch(this.domain, this.spec, this.seed, this.step));
    }
    this.step += 1;
    this.elapsedMs += performance.now() - t0;
    return { metrics: m, stage: stage.name, caLoss };
  }

  /**
   * trainStep `steps` times for several pretrainers (seeds) of one spec at once, as replicas of one
   * batched model (engine/replicas.ts): each draws its own examples from (seed, step) and follows its
   * own schedule, exactly as its own trainStep would; their models and optimizers receive the result.
   * onStep(i) after the i-th batched step.
   */
  static async trainReplicas(pts: Pretrainer[], steps: number, onStep?: (i: number) => void): Promise<void> {
    const [first] = pts;
    if (!first) return;
    pts.forEach((p, r) => {
      if (p.spec !== first.spec) throw new Error(`pretrainer ${r} has another spec than pretrainer 0`);
      if (p.vocabulary.join('\n') !== first.vocabulary.join('\n'))
        throw new Error(`pretrainer ${r}'s vocabulary differs from pretrainer 0's`);
    });
    const spec = first.spec;
    const rp = new ReplicaPolicy(
      first.policy.tokenizer,
      Transformer.stack(pts.map((p) => p.policy.model)),
      pts.map((p) => ({ optimizer: p.policy.config.optimizer, seed: p.seed })),
    );
    try {
      pts.forEach((p, r) => {
        const { m, v } = p.policy.optimizer.state();
        rp.optimizer.setState(r, m, v, p.policy.optimizer.step);
        tf.dispose([...m, ...v]);
      });
      for (let i = 0; i < steps; i++) {
        const t0 = performance.now();
        pts.forEach((p, r) => rp.optimizer.setLearningRate(r, stageAt(spec, p.step).learningRate ?? spec.learningRate));
        if ((spec.pairLoss ?? 'sft') === 'ca') {
          const ex = pts.map((p) => pretrainExamples(p.domain, spec, p.seed, p.step));
          await rp.sftStep(ex.map((e) => e.items));
          await rp.caStep(ex.map((e) => (e.pairs.length ? e.pairs : undefined)));
        } else {
          await rp.sftStep(pts.map((p) => pretrainBatch(p.domain, spec, p.seed, p.step)));
        }
        const dt = performance.now() - t0;
        for (const p of pts) {
          p.step += 1;
          p.elapsedMs += dt;
        }
        onStep?.(i);
      }
      pts.forEach((p, r) => {
        const params = rp.model.replicaParams(r);
        for (const [name, t] of params) (p.policy.model.params.get(name) as tf.Variable).assign(t);
        tf.dispose([...params.values()]);
        const { m, v } = rp.optimizer.state(r);
        p.policy.optimizer.setState(m, v, rp.step(r));
        tf.dispose([...m, ...v]);
      });
    } finally {
      rp.dispose();
    }
  }

  async figures(n = 200): Promise<BaseFigures> {
    const k = this.spec.figureKnobs;
    return baseFigures(
      this.policy,
      evalSets(this.domain, k, n),
      probePairs(this.domain, k, n, 'easy'),
      probePairs(this.domain, k, n, 'hard'),
      { maxCompletionLength: 3, seed: this.seed },
    );
  }

  /** Base-model file (weights + optimizer state for resuming + figures). */
  async save(figures?: BaseFigures, withOptimizer = true): Promise<ArrayBuffer> {
    const meta: BaseModelMeta = {
      format: 1,
      kind: 'base',
      preset: this.spec.name,
      domain: this.spec.domain,
      modelConfig: this.policy.model.config,
      vocabulary: this.vocabulary,
      seed: this.seed,
      step: this.step,
      optimizerStep: this.policy.optimizer.step,
      hasOptimizer: withOptimizer,
      elapsedMs: this.elapsedMs,
      figures: figures ? { ...figures } : undefined,
      savedAt: Date.now(),
    };
    const tensors = [
      ...(await modelArrays(this.policy.model)),
      ...(withOptimizer ? await optimizerArrays(this.policy.optimizer) : []),
    ];
    return packRunCheckpoint({ meta, model: new ArrayBuffer(0), tensors });
  }

  dispose(): void {
    this.policy.dispose();
  }
}
