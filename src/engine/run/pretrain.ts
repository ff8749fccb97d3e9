/**
 * Pretraining of a bundled base model: supervised steps on items (the answer) and easy pairs (the
 * C+ letter), following the spec's curriculum. Step s draws its batch from (seed, s), so a resumed
 * pretraining continues exactly as an uninterrupted one would.
 */
import type { Domain } from '../../tasks/types.ts';
import { modelConfig } from '../config.ts';
import { Policy, type SFTExample } from '../policy.ts';
import type { StepMetrics } from '../metrics.ts';
import { unitSeed } from './budget.ts';
import { packRunCheckpoint, unpackRunCheckpoint, type BaseModelMeta } from './checkpoint.ts';
import { domainVocabulary, evalSets, getDomain, itemExample, knobsFor, makeTokenizer, pairExample, probePairs } from './domains.ts';
import { baseFigures, type BaseFigures } from './evaluate.ts';
import { stageAt, type PretrainSpec } from './presets.ts';
import { initModel, modelArrays, modelFromArrays, optimizerArrays, restoreOptimizer } from './weights.ts';

export function pretrainBatch(domain: Domain, spec: PretrainSpec, seed: number, step: number): SFTExample[] {
  const stage = stageAt(spec, step);
  const k = knobsFor(domain, stage.knobs);
  const nPairs = Math.round(spec.batchSize * spec.easyPairShare);
  const items = domain.items(unitSeed(seed, 'pretrain-items', step), spec.batchSize - nPairs, k).map(itemExample);
  const pairs = nPairs > 0 ? domain.pairs(unitSeed(seed, 'pretrain-pairs', step), nPairs, { ...k, hardness: 'easy' }).pairs : [];
  const pairEx = pairs.map((p) => {
    const e = pairExample(p, seed);
    return { prompt: e.prompt, target: e.positiveLetter };
  });
  return [...items, ...pairEx];
}

export class Pretrainer {
  private constructor(readonly spec: PretrainSpec, readonly seed: number, readonly domain: Domain, readonly policy: Policy, public step: number, readonly vocabulary: string[], public elapsedMs: number) {}

  /** A fresh pretraining, or a resumed one from a base-model file written by save(). */
  static create(spec: PretrainSpec, seed: number, resume?: ArrayBuffer): Pretrainer {
    const domain = getDomain(spec.domain);
    const optimizer = { lr: spec.learningRate, schedule: { kind: 'cosine' as const, warmupSteps: spec.warmupSteps, totalSteps: 1e9, minLrRatio: 1 }, maxGradNorm: 1 };
    if (resume) {
      const ck = unpackRunCheckpoint(resume);
      if (ck.meta.kind !== 'base') throw new Error('resume file is not a base model');
      const m = ck.meta;
      if (m.preset !== spec.name || m.seed !== seed) throw new Error(`resume file is for preset ${m.preset} seed ${m.seed}, not ${spec.name} seed ${seed}`);
      const model = modelFromArrays(m.modelConfig, ck.tensors);
      const policy = new Policy(makeTokenizer(m.vocabulary), { optimizer, seed }, model);
      if (m.hasOptimizer) restoreOptimizer(policy.optimizer, ck.tensors, m.optimizerStep);
      return new Pretrainer(spec, seed, domain, policy, m.step, m.vocabulary, m.elapsedMs);
    }
    const vocabulary = domainVocabulary(domain);
    const tok = makeTokenizer(vocabulary);
    const policy = new Policy(tok, { optimizer, seed }, initModel(modelConfig(spec.modelSize, tok.size, spec.model), seed));
    return new Pretrainer(spec, seed, domain, policy, 0, vocabulary, 0);
  }

  async trainStep(): Promise<{ metrics: StepMetrics; stage: string }> {
    const t0 = performance.now();
    const stage = stageAt(this.spec, this.step);
    const m = await this.policy.sftStep(pretrainBatch(this.domain, this.spec, this.seed, this.step));
    this.step += 1;
    this.elapsedMs += performance.now() - t0;
    return { metrics: m, stage: stage.name };
  }

  async figures(n = 200): Promise<BaseFigures> {
    const k = this.spec.figureKnobs;
    return baseFigures(this.policy, evalSets(this.domain, k, n), probePairs(this.domain, k, n, 'easy'), probePairs(this.domain, k, n, 'hard'), { maxNewTokens: 3, seed: this.seed });
  }

  /** Base-model file (weights + optimizer state for resuming + figures). */
  async save(figures?: BaseFigures, withOptimizer = true): Promise<ArrayBuffer> {
    const meta: BaseModelMeta = {
      format: 1, kind: 'base', preset: this.spec.name, domain: this.spec.domain, modelConfig: this.policy.model.config, vocabulary: this.vocabulary,
      seed: this.seed, step: this.step, optimizerStep: this.policy.optimizer.step, hasOptimizer: withOptimizer, elapsedMs: this.elapsedMs,
      figures: figures ? { ...figures } : undefined, savedAt: Date.now(),
    };
    const tensors = [...(await modelArrays(this.policy.model)), ...(withOptimizer ? await optimizerArrays(this.policy.optimizer) : [])];
    return packRunCheckpoint({ meta, model: new ArrayBuffer(0), tensors });
  }

  dispose(): void {
    this.policy.dispose();
  }
}
