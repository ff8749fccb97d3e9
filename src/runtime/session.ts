/**
 * One training run, advanced one unit of work at a time:
 *   units [0, W)          warm start: supervised steps on ordinary items (W = 0 with a bundled base model)
 *   units [W, W + D)      DA-SFT only: supervised letter targets on the run's pairs (D from the budget)
 *   units [W + D, ...)    RL steps 1..S with the chosen method, evaluating every evalEvery steps
 * Each phase starts a fresh Adam. Metric rows of the warm-start and DA-SFT phases have steps <= 0,
 * RL rows steps 1..S, so every method's RL curves line up. Everything random derives from
 * (seed, unit), and save() captures weights, Adam moments and the reference policy, so pause,
 * single steps and save/load/continue reproduce an uninterrupted run.
 */
import type { BackendName } from '../engine/backend.ts';
import { modelConfig } from '../engine/model-config.ts';
import type { Domain, Pair, RLItem } from '../tasks/types.ts';
import { Policy, type PhasePolicy, type PolicyOptions, type SFTExample } from '../engine/policy.ts';
import { canCompileOnly, compileOnly, type CompileOnlyResult } from '../engine/kernels/shader-warmup.ts';
import type { Transformer } from '../engine/model.ts';
import type { Tokenizer } from '../engine/tokenizer.ts';
import { daSftCount, planBudget, stepCounts, unitSeed, type BudgetPlan } from './budget.ts';
import { packRunCheckpoint, unpackRunCheckpoint, type RunCheckpointMeta } from './run-checkpoint.ts';
import { parseRunConfig, type ResolvedRunConfig } from '../config/run-config.ts';
import {
  domainVocabulary,
  evalSets,
  getDomain,
  itemExample,
  knobsFor,
  makeTokenizer,
  pairExample,
  probePairs,
  type EvalSet,
} from './domains.ts';
import { evalMetrics, evaluatePolicy, groundingItems } from './evaluate.ts';
import { drawExcluding, heldOutContent, itemKey, trainingOverlap, type OverlapReport } from './held-out.ts';
import { evaluateProbe } from './probe-eval.ts';
import { rlItems, rlStep, standInUpdate, stepPairs } from './rl-step.ts';
import type { RunSessionLike, StepReport } from './session-types.ts';
import type { EvalRecord, RunProgress, SelectionRecord } from './types.ts';
import { initModel, modelFromArrays } from './weights.ts';
import { OwnModel, type SessionModel } from './session-model.ts';

type Phase = 'warm-start' | 'da-sft' | 'rl';

export interface SessionOptions {
  /** A run checkpoint from save(): continue that run (its config wins). */
  checkpoint?: ArrayBuffer;
  /** A bundled base model (public/models/*.ckpt): start RL from it instead of a warm start. */
  baseModel?: ArrayBuffer;
  backend?: BackendName;
  /** Rollout groups per 'rollouts' report (0: none). */
  showGroups?: number;
  /**
   * Replica sessions (replica-session.ts): takes the run's model as loaded (fresh, base model or
   * checkpoint) and returns the replica of a batched model that trains it in its place.
   */
  adopt?: (model: Transformer, tokenizer: Tokenizer) => SessionModel;
}

/** Mean prompt tokens of pairs over items (pairs are about twice as long), on a fixed sample. */
function tokenRatio(d: Domain, c: ResolvedRunConfig, tok: Tokenizer): number {
  const k = knobsFor(d, c.knobs);
  const items = d
    .items(unitSeed(c.seed, 'ratio-items', 0), 32, k)
    .map((i) => tok.encode(itemExample(i).prompt.text).length);
  const pairs = d
    .pairs(unitSeed(c.seed, 'ratio-pairs', 0), 16, { ...k, hardness: 'hard' })
    .pairs.map((p) => tok.encode(pairExample(p, 0).prompt.text).length);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return pairs.length && items.length ? mean(pairs) / mean(items) : 1;
}

/**
 * Steps per second for the progress line and its ETA after a step of dt ms, the stepInPhase-th
 * (0-based) of its phase in this session: the phase's first step (which compiles WebGPU shaders
 * and fills caches) counts only until the second replaces it; after that an exponential average
 * with weight 0.3 on the newest step, so one slow evaluation step does not swing the ETA.
 */
export function nextRate(prev: number, dt: number, stepInPhase: number): number {
  const inst = 1000 / Math.max(1, dt);
  return stepInPhase <= 1 || !(prev > 0) ? inst : 0.7 * prev + 0.3 * inst;
}

export class RunSession implements RunSessionLike {
  unit = 0;
  private policy?: PhasePolicy;
  private policyPhase?: Phase;
  private readonly evalSets: EvalSet[];
  private readonly probe: Pair[];
  private readonly easyProbe: Pair[];
  private readonly groundingItems: RLItem[];
  private elapsedMs = 0;
  private lastRate = 0;
  /** Steps of the current phase run by this session object (the ETA's smoothing restarts per phase). */
  private rateSteps = 0;
  private ratePhase: Phase | undefined;
  private disposed = false;

  private constructor(
    readonly config: ResolvedRunConfig,
    readonly domain: Domain,
    readonly tokenizer: Tokenizer,
    readonly vocabulary: string[],
    private readonly model: SessionModel,
    readonly warmUnits: number,
    readonly plan: BudgetPlan,
    readonly ratio: number,
    readonly backend: BackendName,
    private readonly showGroups: number,
  ) {
    this.evalSets = evalSets(domain, config.knobs, config.evalItems, config.benchmarks);
    this.probe = probePairs(domain, config.knobs, config.probePairs, 'hard');
    this.easyProbe = probePairs(domain, config.knobs, config.probePairs, 'easy');
    this.groundingItems = groundingItems(this.evalSets);
  }

  /** The options of an evaluation at `step` (the probes, the grounding items, the clip of L_CA). */
  private evalOptions(step: number) {
    const c = this.config;
    return {
      step,
      maxCompletionLength: c.maxCompletionLength,
      seed: c.seed,
      caClip: c.caClip,
      easyProbe: this.easyProbe,
      groundingItems: this.groundingItems,
    };
  }

  /**
   * A new run (or the run of opts.checkpoint). `config` was validated where it entered (the
   * worker's open, the CLI: src/config/run-config.ts); a checkpoint's config is validated here,
   * since it enters from a file.
   */
  static async create(config: ResolvedRunConfig, opts: SessionOptions = {}): Promise<RunSession> {
    const backend = opts.backend ?? 'cpu';
    if (opts.checkpoint) return RunSession.restore(opts.checkpoint, backend, opts.showGroups ?? 4, opts.adopt);
    const domain = getDomain(config.domain);
    let vocabulary = domainVocabulary(domain);
    let model: Transformer;
    if (opts.baseModel) {
      const base = unpackRunCheckpoint(opts.baseModel);
      if (base.meta.kind !== 'base') throw new Error('baseModel is not a base-model file');
      if (base.meta.domain !== config.domain)
        throw new Error(`base model is for domain ${base.meta.domain}, the run is ${config.domain}`);
      vocabulary = base.meta.vocabulary;
      model = modelFromArrays(base.meta.modelConfig, base.tensors);
    } else {
      model = initModel(modelConfig(config.modelSize, makeTokenizer(vocabulary).size), config.seed);
    }
    const tok = makeTokenizer(vocabulary);
    const ratio = tokenRatio(domain, config, tok);
    const warm = opts.baseModel ? 0 : config.warmStartSteps;
    return new RunSession(
      config,
      domain,
      tok,
      vocabulary,
      opts.adopt ? opts.adopt(model, tok) : new OwnModel(model, tok),
      warm,
      planBudget(config, ratio),
      ratio,
      backend,
      opts.showGroups ?? 4,
    );
  }

  private static restore(
    buffer: ArrayBuffer,
    backend: BackendName,
    showGroups: number,
    adopt?: SessionOptions['adopt'],
  ): RunSession {
    const ck = unpackRunCheckpoint(buffer);
    if (ck.meta.kind !== 'run') throw new Error('checkpoint is a base model, not a run; pass it as baseModel');
    const m = ck.meta;
    const config = parseRunConfig(m.config);
    const domain = getDomain(config.domain);
    const tok = makeTokenizer(m.vocabulary);
    const model = modelFromArrays(m.modelConfig, ck.tensors);
    const s = new RunSession(
      config,
      domain,
      tok,
      m.vocabulary,
      adopt ? adopt(model, tok) : new OwnModel(model, tok),
      m.warmUnits,
      planBudget(config, m.tokenRatio),
      m.tokenRatio,
      backend,
      showGroups,
    );
    s.unit = m.unit;
    s.elapsedMs = m.elapsedMs;
    if (m.optimizerPhase && m.optimizerPhase === s.phaseOf(s.unit)) {
      s.policyFor(m.optimizerPhase);
      s.model.restorePhase(ck.tensors, m.optimizerStep, m.hasReference);
    }
    return s;
  }

  get totalUnits(): number {
    return this.warmUnits + this.plan.daSftSteps + this.config.steps;
  }
  get done(): boolean {
    return this.unit >= this.totalUnits;
  }
  get rlStep(): number {
    return Math.max(0, this.unit - this.warmUnits - this.plan.daSftSteps);
  }

  private phaseOf(u: number): Phase {
    if (u < this.warmUnits) return 'warm-start';
    if (u < this.warmUnits + this.plan.daSftSteps) return 'da-sft';
    return 'rl';
  }

  /** The policy of a phase: the shared model with a fresh Adam when the phase changes. */
  private policyFor(phase: Phase): PhasePolicy {
    if (this.policy && this.policyPhase === phase) return this.policy;
    this.policy = this.model.openPhase(this.policyOptions(phase));
    this.policyPhase = phase;
    return this.policy;
  }

  private policyOptions(phase: Phase): PolicyOptions {
    const c = this.config;
    const sft = phase !== 'rl';
    const phaseSteps = phase === 'warm-start' ? this.warmUnits : phase === 'da-sft' ? this.plan.daSftSteps : c.steps;
    const warmup = sft ? Math.min(50, Math.floor(phaseSteps / 10)) : c.warmupSteps;
    const opts: PolicyOptions = {
      seed: c.seed,
      optimizer: {
        lr: sft ? c.sftLearningRate : c.learningRate,
        schedule:
          warmup > 0
            ? { kind: 'cosine', warmupSteps: warmup, totalSteps: phaseSteps, minLrRatio: 1 }
            : { kind: 'constant' },
        maxGradNorm: c.gradClip,
      },
      grpo: {
        epsLow: c.epsLow,
        epsHigh: c.epsHigh,
        beta: c.beta,
        lossType: c.lossType,
        scaleRewards: c.scaleRewards,
        numIterations: 1,
        dropZeroStd: c.dropZeroStd,
        temperature: c.temperature,
      },
      ca: { lambda: c.lambda, caClip: c.caClip, caVariant: c.caVariant },
    };
    return opts;
  }

  progress(): RunProgress {
    const phase = this.done ? 'rl' : this.phaseOf(this.unit);
    const left = this.totalUnits - this.unit;
    return {
      step: this.unit,
      totalSteps: this.totalUnits,
      phase,
      stepsPerSec: this.lastRate,
      etaSec: this.lastRate > 0 ? left / this.lastRate : NaN,
    };
  }

  /** DA-SFT batch k: the k-th slice of the pairs the RL steps would have shown, in step order. */
  private daSftPairs(k: number): Pair[] {
    const want = daSftCount(this.plan, k);
    const start = k * this.plan.daSftBatch;
    const out: Pair[] = [];
    let seen = 0;
    for (let s = 0; s < this.config.steps && out.length < want; s++) {
      const n = Math.floor(this.plan.pairsPerStep * (s + 1) + 1e-9) - Math.floor(this.plan.pairsPerStep * s + 1e-9);
      if (seen + n > start) {
        const pairs = stepPairs(this.domain, this.config, s, n);
        for (let i = Math.max(0, start - seen); i < pairs.length && out.length < want; i++) out.push(pairs[i]);
      }
      seen += n;
    }
    return out;
  }

  private warmStartBatch(u: number): SFTExample[] {
    const c = this.config;
    const draw = (m: number) => this.domain.items(unitSeed(c.seed, 'warm-start', u), m, knobsFor(this.domain, c.knobs));
    if (!c.holdOutContent) return draw(c.batchSize).map(itemExample);
    const held = heldOutContent(this.domain, c);
    return drawExcluding(draw, c.batchSize, (it) => !held.has(itemKey(it))).map(itemExample);
  }

  /** DA-SFT step k's examples: the pairs as supervised letter targets. */
  private daSftBatch(k: number): SFTExample[] {
    return this.daSftPairs(k)
      .map((p) => pairExample(p, this.config.seed))
      .map((e) => ({ prompt: e.prompt, target: e.positiveLetter }));
  }

  /**
   * On WebGPU, compiles the shaders of the next unit before it runs (tfjs's compile-only mode,
   * src/engine/kernels/shader-warmup.ts): a scratch policy of the same shape runs the unit's work (and the
   * evaluation before the first RL step) without dispatching anything, then the new pipelines
   * compile in parallel, reported as (done, total). The run's weights, optimizer and random
   * streams are untouched. Undefined on other backends or when the run is done.
   */
  async warmShaders(onProgress?: (done: number, total: number) => void): Promise<CompileOnlyResult | undefined> {
    if (this.disposed || this.done || this.backend !== 'webgpu' || !canCompileOnly()) return undefined;
    const u = this.unit;
    const phase = this.phaseOf(u);
    const c = this.config;
    const scratch = new Policy(this.tokenizer, this.policyOptions(phase), initModel(this.model.config, c.seed));
    try {
      const pieces: (() => Promise<unknown>)[] = [];
      if (phase === 'warm-start') pieces.push(() => scratch.sftStep(this.warmStartBatch(u)));
      else if (phase === 'da-sft') pieces.push(() => scratch.sftStep(this.daSftBatch(u - this.warmUnits)));
      else {
        const s = this.rlStep;
        const counts = stepCounts(this.plan, c.method, s);
        if (s === 0 && c.evalEvery > 0)
          pieces.push(() => evaluatePolicy(scratch, this.evalSets, this.probe, this.evalOptions(0)));
        pieces.push(() => rlStep(scratch, this.domain, c, s, counts, 0));
        // The sampled completions are empty in compile-only mode, so the update gets stand-ins.
        pieces.push(() => standInUpdate(scratch, this.tokenizer, this.domain, c, s, counts));
      }
      return await compileOnly(pieces, onProgress);
    } finally {
      scratch.dispose();
    }
  }

  async stepOnce(): Promise<StepReport> {
    if (this.disposed) throw new Error('run session was disposed');
    if (this.done) return { rows: [] };
    const t0 = performance.now();
    const u = this.unit;
    const phase = this.phaseOf(u);
    const policy = this.policyFor(phase);
    const c = this.config;
    const report: StepReport = { rows: [] };
    let metrics: Record<string, number>;
    let step: number;
    if (phase === 'warm-start') {
      metrics = await policy.sftStep(this.warmStartBatch(u));
      step = u - this.warmUnits + 1 - this.plan.daSftSteps;
    } else if (phase === 'da-sft') {
      const k = u - this.warmUnits;
      const batch = this.daSftBatch(k);
      metrics = await policy.sftStep(batch);
      metrics['data/pairs'] = batch.length;
      step = k + 1 - this.plan.daSftSteps;
    } else {
      const s = this.rlStep;
      if (s === 0 && c.evalEvery > 0) await this.evalInto(report, 0);
      const r = await rlStep(policy, this.domain, c, s, stepCounts(this.plan, c.method, s), this.showGroups);
      metrics = r.metrics;
      step = s + 1;
      if (r.groups.length) report.rollouts = { step, groups: r.groups };
    }
    this.unit += 1;
    const dt = performance.now() - t0;
    this.elapsedMs += dt;
    this.rateSteps = phase === this.ratePhase ? this.rateSteps + 1 : 0;
    this.ratePhase = phase;
    this.lastRate = nextRate(this.lastRate, dt, this.rateSteps);
    const row = { ...metrics, step, t: Math.round(this.elapsedMs) };
    if (phase === 'rl' && ((c.evalEvery > 0 && step % c.evalEvery === 0) || this.done))
      Object.assign(row, evalMetrics(await this.evalInto(report, step)));
    else if (phase === 'rl' && c.probeEvery > 0 && step % c.probeEvery === 0) {
      // Between full evaluations, the probe alone: the Selection panel moves within minutes on a CPU.
      const r = await evaluateProbe(policy, this.probe, { step, seed: c.seed, caClip: c.caClip });
      report.eval = r.record;
      report.selection = r.selection;
      Object.assign(row, evalMetrics(r.record));
    }
    report.rows.push(row);
    return report;
  }

  private async evalInto(report: StepReport, step: number): Promise<EvalRecord> {
    const r = await this.evaluateAt(step);
    report.eval = r.record;
    report.selection = r.selection;
    return r.record;
  }

  private async evaluateAt(step: number): Promise<{ record: EvalRecord; selection: SelectionRecord[] }> {
    const policy = this.policyFor(this.done ? 'rl' : this.phaseOf(this.unit));
    const r = await evaluatePolicy(policy, this.evalSets, this.probe, this.evalOptions(step));
    return { record: r.record, selection: r.selection };
  }

  /**
   * Mean sampled reward (temperature of the run) on n fixed held-out items of the training
   * distribution, G samples each: the training reward without the step-to-step noise.
   */
  async sampledReward(n = 32, seed = 12_345): Promise<number> {
    const items = this.domain.items(unitSeed(seed, 'held-out-reward', 0), n, knobsFor(this.domain, this.config.knobs));
    const policy = this.policyFor(this.done ? 'rl' : this.phaseOf(this.unit));
    const r = await policy.generate(
      items.map((i) => itemExample(i).prompt),
      this.config.groupSize,
      {
        maxCompletionLength: this.config.maxCompletionLength,
        temperature: this.config.temperature,
        topK: this.config.topK,
        seed,
      },
    );
    const rewards = r.texts.map((t, k) => this.domain.reward(items[Math.floor(k / this.config.groupSize)], t));
    return rewards.reduce((a, b) => a + b, 0) / Math.max(1, rewards.length);
  }

  /** How many contexts of this run's RL streams (without the holdOutContent filter) are evaluation contexts. */
  trainingOverlap(): OverlapReport {
    const d = this.domain;
    const c = this.config;
    return trainingOverlap(d, c, this.plan, (s, n) => ({
      items: rlItems(d, c, s, n.items, true),
      pairs: stepPairs(d, c, s, n.pairs, true),
    }));
  }

  evaluate(): Promise<{ record: EvalRecord; selection: SelectionRecord[] }> {
    return this.evaluateAt(this.rlStep);
  }

  async save(): Promise<ArrayBuffer> {
    const p = this.model.phaseState();
    const meta: RunCheckpointMeta = {
      format: 1,
      kind: 'run',
      config: this.config,
      modelConfig: this.model.config,
      vocabulary: this.vocabulary,
      unit: this.unit,
      warmUnits: this.warmUnits,
      optimizerStep: p?.step ?? 0,
      optimizerPhase: p ? this.policyPhase : undefined,
      hasOptimizer: Boolean(p),
      hasReference: Boolean(p?.hasReference),
      tokenRatio: this.ratio,
      elapsedMs: this.elapsedMs,
      savedAt: Date.now(),
    };
    const tensors = await this.model.arrays();
    return packRunCheckpoint({ meta, model: new ArrayBuffer(0), tensors });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
  }
}

export function createRunSession(config: ResolvedRunConfig, opts: SessionOptions = {}): Promise<RunSession> {
  return RunSession.create(config, opts);
}
