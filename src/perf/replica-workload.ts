/**
 * The benchmark workloads (workload.ts) for R replicas (engine/replicas.ts): R models of the preset,
 * each with its own seed and its own batch of the phase's shape, trained as one batched model. A
 * row's ms is one batched step of all R; its tokens are R times one model's.
 * The same R batches also go through a plain Policy one after another, interleaved with the
 * batched steps, so `ratio_to_sequential` (one program against R runs in a row) is measured in the
 * same minutes on a machine whose load moves (per rep, then the median).
 */
import type { PromptText } from '../tasks/types.ts';
import { Rng } from '../tasks/rng.ts';
import { modelConfig } from '../engine/model-config.ts';
import { Transformer } from '../engine/model.ts';
import { Policy, type PairExample, type SFTExample } from '../engine/policy.ts';
import { ReplicaPolicy } from '../engine/replica-policy.ts';
import type { Rollouts, ScoredRollouts } from '../engine/sample.ts';
import {
  benchTokenizer,
  cpuNow,
  kernelSummary,
  letters,
  median,
  PHASES,
  profiled,
  promptOf,
  timing,
  type Phase,
  type PhaseTiming,
  type RunOptions,
  type WorkloadShape,
} from './workload.ts';

/** A replica row with its interleaved reference: R plain steps on the same batches, per rep. */
export interface ReplicaTiming extends PhaseTiming {
  sequential_ms_median: number;
  /** Median over reps of (batched ms) / (R plain steps' ms); CPU time likewise. */
  ratio_to_sequential: number;
  cpu_ratio_to_sequential: number;
}

interface Clock {
  ms: number;
  cpu: number;
}
const clock = (): Clock => ({ ms: performance.now(), cpu: cpuNow() });
const since = (c: Clock): Clock => ({ ms: performance.now() - c.ms, cpu: cpuNow() - c.cpu });

export async function runReplicaWorkload(w: WorkloadShape, R: number, opts: RunOptions): Promise<ReplicaTiming[]> {
  const phases = opts.phases ?? PHASES;
  const tok = benchTokenizer();
  const seed = opts.seed ?? 1;
  const rngs = Array.from({ length: R }, (_, r) => Rng.warmed(seed + 1000 * r));
  const models = rngs.map((_, r) => new Transformer(modelConfig(w.preset, tok.size), seed + r));
  const batched = new ReplicaPolicy(
    tok,
    Transformer.stack(models),
    models.map((_, r) => ({ seed: seed + r })),
  );
  models.forEach((m) => m.dispose());
  const plain = new Policy(tok, { model: w.preset, seed });
  const out: ReplicaTiming[] = [];
  const say = opts.onProgress ?? (() => undefined);
  const steps = opts.warmup + opts.reps;

  /** A phase's timed steps: each rep one batched step, then the same work as R plain steps. */
  const measure = async <T>(
    phase: Phase,
    data: () => T[],
    one: (x: T, r: number) => Promise<unknown>,
    all: (xs: T[]) => Promise<unknown>,
  ) => {
    const b: Clock[] = [];
    const s: Clock[] = [];
    let first = NaN;
    let peak = 0;
    let kernels = NaN;
    for (let i = 0; i < steps; i++) {
      const xs = data();
      const t0 = clock();
      if (i === 0) ({ peak, dispatched: kernels } = await profiled(() => all(xs)));
      else await all(xs);
      const tb = since(t0);
      const t1 = clock();
      for (let r = 0; r < R; r++) await one(xs[r], r);
      const ts = since(t1);
      if (i === 0) first = tb.ms;
      if (i >= opts.warmup) {
        b.push(tb);
        s.push(ts);
      }
      say(`${phase} x${R} ${i + 1}/${steps}: ${tb.ms.toFixed(0)} ms batched, ${ts.ms.toFixed(0)} ms in a row`);
    }
    if (opts.profile) opts.profile(phase, kernelSummary((await profiled(() => all(data()))).kernels));
    const row: ReplicaTiming = {
      ...timing(
        w,
        phase,
        b.map((c) => c.ms),
        peak,
        first,
        kernels,
        R,
        b.map((c) => c.cpu),
      ),
      sequential_ms_median: median(s.map((c) => c.ms)),
      ratio_to_sequential: median(b.map((c, i) => c.ms / s[i].ms)),
      cpu_ratio_to_sequential: median(b.map((c, i) => c.cpu / s[i].cpu)),
    };
    out.push(row);
  };

  try {
    if (phases.includes('sft'))
      await measure<SFTExample[]>(
        'sft',
        () =>
          rngs.map((rng) =>
            Array.from({ length: w.sft.batch }, () => ({
              prompt: promptOf(rng, w.sft.promptLen),
              target: letters(rng, w.sft.targetLen - 1),
            })),
          ),
        (x) => plain.sftStep(x),
        (xs) => batched.sftStep(xs),
      );
    if (phases.includes('ca'))
      await measure<PairExample[]>(
        'ca',
        () =>
          rngs.map((rng) =>
            Array.from({ length: w.ca.pairs }, () => ({
              prompt: promptOf(rng, w.ca.promptLen),
              positiveLetter: (rng.next() < 0.5 ? 'A' : 'B') as 'A' | 'B',
            })),
          ),
        (x) => plain.caStep(x),
        (xs) => batched.caStep(xs),
      );
    // The GRPO step (sampling + update) as one phase here: the sampler's work per token is the part
    // replicas batch, the update's like sft.
    if (phases.includes('grpo')) {
      const g = w.grpo;
      let call = 0;
      // Continuous rewards (workload.ts): no group has zero std.
      const score = (ro: Rollouts, rng: Rng): ScoredRollouts => ({
        ...ro,
        rewards: ro.completionIds.map(() => rng.next()),
      });
      await measure<{ prompts: PromptText[]; seed: number }>(
        'grpo',
        () => {
          call += 1;
          return rngs.map((rng, r) => ({
            prompts: Array.from({ length: g.prompts }, () => promptOf(rng, g.promptLen)),
            seed: seed * 1000 + 17 * r + call,
          }));
        },
        async (x, r) => {
          const ro = await plain.generate(x.prompts, g.groupSize, {
            maxCompletionLength: g.maxCompletionLength,
            seed: x.seed,
          });
          await plain.grpoStep(score(ro, rngs[r]));
        },
        async (xs) => {
          const ro = await batched.generate(xs, g.groupSize, { maxCompletionLength: g.maxCompletionLength });
          await batched.grpoStep(ro.map((x, r) => x && { rollouts: score(x, rngs[r]) }));
        },
      );
    }
    return out;
  } finally {
    batched.dispose();
    plain.dispose();
  }
}
