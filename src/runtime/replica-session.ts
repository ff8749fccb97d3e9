/**
 * R runs trained as one batched model (engine/replicas.ts): replica r is a RunSession of its own
 * (its config, seed, data stream, metric rows, evaluations and checkpoints, exactly as a single run
 * draws them from (seed, unit)), but its model is replica r of one ReplicaPolicy. The R sessions
 * step in lock-step: stepOnce runs every session's next unit concurrently, and each model call
 * (a supervised step, sampling, a GRPO step, pair scores, grounding) waits at a rendezvous until
 * every session still inside its unit has made its call; the calls of one kind then run as one
 * batched call. So each session's own code stays the single run's, and replica r's rows equal the
 * single run's with the same config (test/runtime/replica-session.test.ts).
 *
 *   const rs = await ReplicaSession.create(seeds.map((seed) => ({ ...config, seed })), { baseModel });
 *   while (!rs.done) { const reports = await rs.stepOnce(); ... }   // reports[r]: replica r's StepReport
 *   const buf = await rs.sessions[r].save();                         // replica r's run checkpoint
 */
import { Transformer } from '../engine/model.ts';
import type { PairExample, PairScores, PhasePolicy, PolicyOptions, SFTExample } from '../engine/policy.ts';
import { ReplicaPolicy, type ReplicaGrpoWork } from '../engine/replica-policy.ts';
import type { Rollouts, SampleOptions, ScoredRollouts } from '../engine/sample.ts';
import type { Tokenizer } from '../engine/tokenizer.ts';
import type { GroundingResult } from '../engine/grounding.ts';
import type { StepMetrics } from '../engine/metrics.ts';
import type { Pair, PromptText, RLItem } from '../tasks/types.ts';
import type { ResolvedRunConfig } from '../config/run-config.ts';
import type { NamedArray } from './run-checkpoint.ts';
import { RunSession, type SessionOptions } from './session.ts';
import type { SessionModel } from './session-model.ts';
import type { StepReport } from './session-types.ts';
import { modelFromArrays, momentArrays, tensorsToArrays, withMoments } from './weights.ts';

type Kind = 'sft' | 'grpo' | 'generate' | 'score' | 'ground' | 'groundItems';

interface Call {
  r: number;
  kind: Kind;
  /** Calls of one kind and key run as one batched call (sampling: the shared options). */
  key: string;
  payload: unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** The rendezvous and the batched model behind it. */
class ReplicaHub {
  policy?: ReplicaPolicy;
  private vocabulary = '';
  /** Sessions inside a unit of work (their calls are awaited before a flush). */
  private live = 0;
  private pending: Call[] = [];
  private flushing = false;
  private released = 0;

  constructor(readonly R: number) {}

  /** Takes run r's loaded model into replica r (the first model sets the shape) and disposes it. */
  adopt(r: number, model: Transformer, tok: Tokenizer): SessionModel {
    const vocabulary = tok.tokens.join('\n');
    if (!this.policy) {
      const stacked = Transformer.stack(new Array<Transformer>(this.R).fill(model));
      this.policy = new ReplicaPolicy(tok, stacked, new Array<PolicyOptions>(this.R).fill({}));
      this.vocabulary = vocabulary;
    } else {
      if (JSON.stringify(model.config) !== JSON.stringify(this.policy.model.config))
        throw new Error(`replica ${r}'s model config differs from replica 0's: replicas need one model shape`);
      if (vocabulary !== this.vocabulary)
        throw new Error(`replica ${r}'s vocabulary differs from replica 0's: replicas need one tokenizer`);
      this.policy.model.setReplicaParams(r, model.params);
    }
    model.dispose();
    return new ReplicaSlot(this, r);
  }

  get batched(): ReplicaPolicy {
    if (!this.policy) throw new Error('no replica has been adopted yet');
    return this.policy;
  }

  enter(n: number): void {
    this.live += n;
  }

  leave(): void {
    this.live -= 1;
    this.maybeFlush();
  }

  call<T>(r: number, kind: Kind, key: string, payload: unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ r, kind, key, payload, resolve: resolve as (v: unknown) => void, reject });
      this.maybeFlush();
    });
  }

  private maybeFlush(): void {
    if (this.flushing || this.pending.length === 0 || this.pending.length < this.live) return;
    this.flushing = true;
    void this.flush();
  }

  private async flush(): Promise<void> {
    const calls = this.pending;
    this.pending = [];
    const groups = new Map<string, Call[]>();
    for (const c of calls) {
      const k = `${c.kind}\n${c.key}`;
      groups.set(k, [...(groups.get(k) ?? []), c]);
    }
    for (const group of groups.values()) {
      try {
        const out = await this.run(group);
        group.forEach((c) => c.resolve(out[c.r]));
      } catch (e) {
        group.forEach((c) => c.reject(e));
      }
    }
    this.flushing = false;
    this.maybeFlush();
  }

  /** One batched call for a group of calls of one kind (one per replica). */
  private run(group: Call[]): Promise<unknown[]> {
    const p = this.batched;
    const per = <T>() => {
      const out = new Array<T | undefined>(this.R).fill(undefined);
      for (const c of group) out[c.r] = c.payload as T;
      return out;
    };
    switch (group[0].kind) {
      case 'sft':
        return p.sftStep(per<SFTExample[]>());
      case 'grpo':
        return p.grpoStep(per<ReplicaGrpoWork>());
      case 'generate': {
        const { G, options } = group[0].payload as GenerateCall;
        return p.generate(per<GenerateCall>(), G, options);
      }
      case 'score':
        return p.scorePairs(per<PairExample[]>(), Number(group[0].key));
      case 'ground':
        return p.groundPairs(per<{ pairs: Pair[]; seed: number }>());
      case 'groundItems':
        return p.groundItems(per<RLItem[]>());
    }
  }

  /** A slot is done with its replica; the last one disposes the batched model. */
  release(): void {
    this.released += 1;
    if (this.released === this.R) this.dispose();
  }

  dispose(): void {
    this.policy?.dispose();
    this.policy = undefined;
  }
}

interface GenerateCall {
  prompts: PromptText[];
  seed: number;
  G: number;
  options: SampleOptions;
}

/** Replica r as a run's model (SessionModel): weights, optimizer state and reference are replica r's slices. */
class ReplicaSlot implements SessionModel {
  private open = false;
  private disposed = false;

  constructor(
    private readonly hub: ReplicaHub,
    private readonly r: number,
  ) {}

  get config() {
    return this.hub.batched.model.config;
  }

  openPhase(options: PolicyOptions): PhasePolicy {
    this.hub.batched.openPhase(this.r, options);
    this.open = true;
    return new ReplicaView(this.hub, this.r);
  }

  phaseState(): { step: number; hasReference: boolean } | undefined {
    const p = this.hub.batched;
    return this.open ? { step: p.step(this.r), hasReference: p.hasReference[this.r] } : undefined;
  }

  async arrays(): Promise<NamedArray[]> {
    const p = this.hub.batched;
    const named = async (prefix: string, m: Transformer) => {
      const params = m.replicaParams(this.r);
      try {
        return await tensorsToArrays(prefix, [...params.entries()]);
      } finally {
        for (const t of params.values()) t.dispose();
      }
    };
    return [
      ...(await named('w/', p.model)),
      ...(this.open ? await momentArrays(p.optimizer.state(this.r)) : []),
      ...(this.open && p.hasReference[this.r] && p.reference ? await named('ref/', p.reference) : []),
    ];
  }

  restorePhase(arrays: NamedArray[], step: number, hasReference: boolean): void {
    const p = this.hub.batched;
    withMoments(arrays, (m, v) => p.optimizer.setState(this.r, m, v, step));
    if (hasReference) p.setReference(this.r, modelFromArrays(p.model.config, arrays, 'ref/', false).params);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.hub.release();
  }
}

/** Replica r's phase policy: every call goes through the rendezvous. */
class ReplicaView implements PhasePolicy {
  constructor(
    private readonly hub: ReplicaHub,
    private readonly r: number,
  ) {}

  get tokenizer(): Tokenizer {
    return this.hub.batched.tokenizer;
  }

  sftStep(batch: SFTExample[]): Promise<StepMetrics> {
    return this.hub.call(this.r, 'sft', '', batch);
  }

  /** Policy.generate: the run's temperature unless given, the seed from the replica's Rng unless given. */
  generate(prompts: PromptText[], G: number, options: SampleOptions): Promise<Rollouts> {
    const p = this.hub.batched;
    const o = { ...options, temperature: options.temperature ?? p.configs[this.r].grpo.temperature };
    const seed = options.seed ?? p.nextSeed(this.r);
    const key = JSON.stringify([G, o.maxCompletionLength, o.temperature, o.topK ?? 0, o.kvCache ?? null]);
    return this.hub.call(this.r, 'generate', key, { prompts, seed, G, options: { ...o, seed: undefined } });
  }

  grpoStep(rollouts: ScoredRollouts, pairs?: PairExample[]): Promise<StepMetrics> {
    return this.hub.call(this.r, 'grpo', '', { rollouts, pairs } satisfies ReplicaGrpoWork);
  }

  /** Policy.evaluateGreedy: greedy decoding (no noise, the replica's Rng untouched). */
  async evaluateGreedy(
    prompts: PromptText[],
    answers: string[],
    maxCompletionLength: number,
    batchSize = 64,
  ): Promise<{ accuracy: number; texts: string[] }> {
    const texts: string[] = [];
    for (let s = 0; s < prompts.length; s += batchSize) {
      const r = await this.generate(prompts.slice(s, s + batchSize), 1, {
        maxCompletionLength,
        temperature: 0,
        seed: 0,
      });
      texts.push(...r.texts);
    }
    const correct = texts.filter((t, i) => t.trim() === answers[i].trim()).length;
    return { accuracy: prompts.length ? correct / prompts.length : 0, texts };
  }

  scorePairs(pairs: PairExample[], batchSize = 64): Promise<PairScores> {
    return this.hub.call(this.r, 'score', String(batchSize), pairs);
  }

  groundPairs(pairs: Pair[], seed: number): Promise<GroundingResult[]> {
    return this.hub.call(this.r, 'ground', '', { pairs, seed });
  }

  groundItems(items: RLItem[]): Promise<GroundingResult[]> {
    return this.hub.call(this.r, 'groundItems', '', items);
  }
}

export class ReplicaSession {
  private constructor(
    private readonly hub: ReplicaHub,
    /** Replica r's run: its config, progress, evaluation and save() are the single run's. */
    readonly sessions: RunSession[],
  ) {}

  /**
   * R runs as replicas: configs[r] with options[r] (a base model or a checkpoint per run; one
   * options object for all). The runs must share the model shape and vocabulary, and each step's
   * batched settings (replica-policy.ts); seeds, data, methods, lambda and learning rates may differ.
   */
  static async create(
    configs: ResolvedRunConfig[],
    options: SessionOptions | SessionOptions[] = {},
  ): Promise<ReplicaSession> {
    if (configs.length === 0) throw new Error('a replica session needs at least one run');
    const hub = new ReplicaHub(configs.length);
    const sessions: RunSession[] = [];
    try {
      for (let r = 0; r < configs.length; r++) {
        const o = Array.isArray(options) ? options[r] : options;
        sessions.push(
          await RunSession.create(configs[r], {
            ...o,
            adopt: (m: Transformer, tok: Tokenizer) => hub.adopt(r, m, tok),
          }),
        );
      }
    } catch (e) {
      sessions.forEach((s) => s.dispose());
      hub.dispose();
      throw e;
    }
    return new ReplicaSession(hub, sessions);
  }

  get R(): number {
    return this.sessions.length;
  }

  get done(): boolean {
    return this.sessions.every((s) => s.done);
  }

  /** The next unit of every run that is not done, batched: reports[r] is replica r's (undefined once done). */
  stepOnce(): Promise<(StepReport | undefined)[]> {
    return this.together((s) => (s.done ? undefined : () => s.stepOnce()));
  }

  /** Every run's evaluation now, batched. */
  evaluate(): Promise<(Awaited<ReturnType<RunSession['evaluate']>> | undefined)[]> {
    return this.together((s) => () => s.evaluate());
  }

  /** Runs f on the chosen sessions concurrently; their model calls meet at the rendezvous. */
  private async together<T>(pick: (s: RunSession) => (() => Promise<T>) | undefined): Promise<(T | undefined)[]> {
    const work = this.sessions.map(pick);
    // Count them in before any starts: a call made before the count would flush on its own.
    this.hub.enter(work.filter(Boolean).length);
    return Promise.all(
      work.map(async (f) => {
        if (!f) return undefined;
        try {
          return await f();
        } finally {
          this.hub.leave();
        }
      }),
    );
  }

  dispose(): void {
    this.sessions.forEach((s) => s.dispose());
    this.hub.dispose();
  }
}
