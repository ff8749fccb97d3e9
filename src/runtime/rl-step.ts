/**
 * One RL step of a run, for each method (docs/METHOD.md section 5):
 *   grpo, da-sft   GRPO on item prompts only
 *   da-rl          GRPO on item prompts + pair prompts as a sampled binary choice (reward 1 for C+'s letter)
 *   contextrl      GRPO on item prompts + lambda * L_CA on a separate pair batch, one optimizer step
 * Data and sampling noise come from (seed, step), so a step is reproducible on its own.
 */
import type { Domain, Pair, PromptText, RLItem } from '../tasks/types.ts';
import { computeAdvantages, daRlReward } from '../engine/losses.ts';
import type { StepMetrics } from '../engine/metrics.ts';
import type { PairExample, PhasePolicy, Policy } from '../engine/policy.ts';
import type { Rollouts, ScoredRollouts } from '../engine/sample.ts';
import { encodePrompt } from '../engine/batch.ts';
import type { Tokenizer } from '../engine/tokenizer.ts';
import type { ResolvedRunConfig } from '../config/run-config.ts';
import { unitSeed } from './budget.ts';
import { itemExample, knobsFor, pairExample } from './domains.ts';
import { drawExcluding, heldOutContent, itemKey, pairKeys } from './held-out.ts';
import type { RolloutGroup } from './types.ts';

/**
 * The item prompts of RL step s. With holdOutContent, items whose context is one of the run's
 * evaluation contexts are skipped (src/runtime/held-out.ts); `raw` draws without the filter.
 */
export function rlItems(d: Domain, c: ResolvedRunConfig, s: number, n: number, raw = false): RLItem[] {
  const draw = (m: number) => d.items(unitSeed(c.seed, 'rl-items', s), m, knobsFor(d, c.knobs));
  if (raw || !c.holdOutContent) return draw(n);
  const held = heldOutContent(d, c);
  return drawExcluding(draw, n, (it) => !held.has(itemKey(it)));
}

/**
 * The pairs of RL step s (the stream contextrl, da-rl and da-sft share), of the run's pairHardness
 * (hard by default; the probe is hard whatever this is). With holdOutContent, pairs with an
 * evaluation context on either side are skipped; `raw` draws without the filter.
 */
export function stepPairs(d: Domain, c: ResolvedRunConfig, s: number, n: number, raw = false): Pair[] {
  if (n <= 0) return [];
  const draw = (m: number) =>
    d.pairs(unitSeed(c.seed, 'pairs', s), m, { ...knobsFor(d, c.knobs), hardness: c.pairHardness }).pairs.slice(0, m);
  if (raw || !c.holdOutContent) return draw(n);
  const held = heldOutContent(d, c);
  return drawExcluding(draw, n, (p) => !pairKeys(p).some((k) => held.has(k)));
}

export interface RlStepResult {
  metrics: StepMetrics;
  groups: RolloutGroup[];
}

/** The first `show` groups for the Rollouts panel, with the advantages the update used (`adv`). */
function groupsForInspector(
  policy: PhasePolicy,
  r: Rollouts,
  rewards: number[],
  adv: number[],
  prompts: PromptText[],
  answers: string[],
  show: number,
): RolloutGroup[] {
  const G = r.groupSize;
  const out: RolloutGroup[] = [];
  for (let g = 0; g < Math.min(show, prompts.length); g++) {
    const completions = Array.from({ length: G }, (_, j) => {
      const n = g * G + j;
      return {
        text: r.texts[n],
        tokens: r.completionIds[n].map((id) => policy.tokenizer.tokens[id] ?? '<unk>'),
        logp: r.logp[n],
        reward: rewards[n],
        advantage: adv[n],
      };
    });
    const rs = completions.map((c) => c.reward);
    const tag = rs.every((x) => x === rs[0]) ? (rs[0] > 0 ? 'all-pass' : 'all-fail') : 'mixed';
    out.push({ prompt: prompts[g].text, answer: answers[g], completions, tag });
  }
  return out;
}

/** RL step s's data: its items and pairs, and the prompts GRPO samples (da-rl adds the pairs'). */
function stepData(d: Domain, c: ResolvedRunConfig, s: number, counts: { items: number; pairs: number }) {
  const items = rlItems(d, c, s, counts.items);
  const pairs = stepPairs(d, c, s, counts.pairs);
  const pairEx: PairExample[] = pairs.map((p) => pairExample(p, c.seed));
  const itemEx = items.map(itemExample);
  const inRl = c.method === 'da-rl';
  const prompts = [...itemEx.map((e) => e.prompt), ...(inRl ? pairEx.map((e) => e.prompt) : [])];
  const answers = [...itemEx.map((e) => e.target), ...(inRl ? pairEx.map((e) => e.positiveLetter) : [])];
  // contextrl adds lambda * L_CA on the step's pairs to the same update.
  const caPairs = c.method === 'contextrl' && pairEx.length ? pairEx : undefined;
  return { items, pairs, pairEx, inRl, prompts, answers, caPairs };
}

/**
 * RL step s's update on stand-in rollouts (for the shader warm-up, which cannot sample): the
 * step's prompts with G completions each of the longest length (eos tokens), rewards 1, 0, 1, ...
 * (so no group is dropped), and the step's L_CA pairs under contextrl.
 */
export function standInUpdate(
  policy: Policy,
  tok: Tokenizer,
  d: Domain,
  c: ResolvedRunConfig,
  s: number,
  counts: { items: number; pairs: number },
): Promise<StepMetrics> {
  const { prompts, caPairs } = stepData(d, c, s, counts);
  const N = prompts.length * c.groupSize;
  const L = c.maxCompletionLength;
  const rollouts: ScoredRollouts = {
    groupSize: c.groupSize,
    prompts: prompts.map((p) => encodePrompt(tok, p)),
    maxCompletionLength: L,
    temperature: c.temperature,
    completionIds: Array.from({ length: N }, () => new Array<number>(L).fill(tok.eos)),
    logp: Array.from({ length: N }, () => new Array<number>(L).fill(0)),
    texts: new Array<string>(N).fill(''),
    ended: new Array<boolean>(N).fill(false),
    rewards: Array.from({ length: N }, (_, n) => (n % 2 === 0 ? 1 : 0)),
  };
  return policy.grpoStep(rollouts, caPairs);
}

export async function rlStep(
  policy: PhasePolicy,
  d: Domain,
  c: ResolvedRunConfig,
  s: number,
  counts: { items: number; pairs: number },
  showGroups = 4,
): Promise<RlStepResult> {
  const { items, pairs, pairEx, inRl, prompts, answers, caPairs } = stepData(d, c, s, counts);
  const G = c.groupSize;
  const r = await policy.generate(prompts, G, {
    maxCompletionLength: c.maxCompletionLength,
    temperature: c.temperature,
    topK: c.topK,
    seed: unitSeed(c.seed, 'sample', s),
  });
  const rewards = r.texts.map((text, n) => {
    const g = Math.floor(n / G);
    return g < items.length ? d.reward(items[g], text) : daRlReward(text, pairEx[g - items.length].positiveLetter);
  });
  // One computation of A_i for the update and the Rollouts panel, with the run's scaleRewards.
  const advantages = computeAdvantages(rewards, G, c.scaleRewards);
  const m = await policy.grpoStep({ ...r, rewards, advantages }, caPairs);
  const itemRewards = rewards.slice(0, items.length * G);
  const metrics: StepMetrics = {
    ...m,
    'rewards/answer/mean': itemRewards.reduce((a, b) => a + b, 0) / Math.max(1, itemRewards.length),
    'data/items': items.length,
    'data/pairs': pairs.length,
  };
  if (inRl && pairs.length) {
    const sel = rewards.slice(items.length * G);
    metrics['rewards/selection/mean'] = sel.reduce((a, b) => a + b, 0) / sel.length;
  }
  return { metrics, groups: groupsForInspector(policy, r, rewards, advantages, prompts, answers, showGroups) };
}
