import { beforeAll, describe, expect, it } from 'vitest';
import { computeAdvantages } from '../../src/engine/losses.ts';
import { Policy } from '../../src/engine/policy.ts';
import type { ScoredRollouts } from '../../src/engine/sample.ts';
import { parseRunConfig } from '../../src/config/run-config.ts';
import { domainVocabulary, getDomain, makeTokenizer } from '../../src/runtime/domains.ts';
import { rlStep, stepPairs } from '../../src/runtime/rl-step.ts';
import { unitSeed } from '../../src/runtime/budget.ts';
import type { ScaleRewards } from '../../src/config/fields.ts';
import { tinyRun, useWasm } from './helpers.ts';

beforeAll(useWasm);

describe("the Rollouts panel's advantages", () => {
  it.each(['group', 'batch', 'none'] as ScaleRewards[])(
    'equal the ones the loss used under scaleRewards %s',
    async (scaleRewards) => {
      const c = parseRunConfig({ ...tinyRun({ method: 'grpo', scaleRewards, temperature: 2 }), seed: 3 });
      // Rewards from the sampled text (an untrained model is never right), so groups are mixed.
      const trace = getDomain('trace');
      const d = {
        ...trace,
        reward: (_item: unknown, text: string) => [...text].reduce((a, ch) => a + ch.charCodeAt(0), 0) % 3,
      };
      const tok = makeTokenizer(domainVocabulary(trace));
      const policy = new Policy(tok, { model: { nLayer: 1, dModel: 16, nHead: 2, contextLength: 64 }, seed: 1 });
      const seen: ScoredRollouts[] = [];
      const update = policy.grpoStep.bind(policy);
      policy.grpoStep = (r, pairs) => {
        seen.push(r);
        return update(r, pairs);
      };
      try {
        let shown: number[] = [];
        // A step with mixed rewards, so the three scalings differ.
        for (let s = 0; s < 20 && !shown.some((a) => a !== 0); s++) {
          const r = await rlStep(policy, d, c, s, { items: 6, pairs: 0 }, 6);
          shown = r.groups.flatMap((g) => g.completions.map((x) => x.advantage));
        }
        const used = seen.at(-1)!;
        expect(used.advantages).toBeDefined();
        expect(shown).toEqual(used.advantages!.slice(0, shown.length));
        expect(used.advantages).toEqual(computeAdvantages(used.rewards, c.groupSize, scaleRewards));
        if (scaleRewards !== 'group')
          expect(shown).not.toEqual(computeAdvantages(used.rewards, c.groupSize, 'group').slice(0, shown.length));
      } finally {
        policy.dispose();
      }
    },
  );
});

describe('the training pair stream', () => {
  it.each(['hard', 'easy', 'random'] as const)('stepPairs draws %s pairs under pairHardness %s', (pairHardness) => {
    const c = parseRunConfig({ ...tinyRun({ method: 'contextrl' }), pairHardness });
    const pairs = stepPairs(getDomain('trace'), c, 4, 6);
    expect(pairs).toHaveLength(6);
    const kind = pairHardness === 'random' ? 'random' : pairHardness === 'hard' ? 'cascade' : 'easy';
    for (const p of pairs) expect(p.meta.method).toBe(kind);
  });

  it('defaults to hard pairs: a config without the field draws the stream it drew before the field existed', () => {
    const c = parseRunConfig(tinyRun({ method: 'contextrl' }));
    expect(c.pairHardness).toBe('hard');
    const d = getDomain('trace');
    const before = d.pairs(unitSeed(c.seed, 'pairs', 2), 5, { ...c.knobs, hardness: 'hard' }).pairs;
    expect(stepPairs(d, c, 2, 5)).toEqual(before);
  });
});
