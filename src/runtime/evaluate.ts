/**
 * Evaluation: greedy exact-match accuracy on each benchmark set (eval/<benchmark>/accuracy) and
 * the selection probe (teacher-forced Delta on held-out pairs, probe/selection_accuracy), plus the
 * base-model figures (lookup, easy/hard-pair selection, shortcut share); docs/METHOD.md section 7.
 */
import type { Pair } from '../tasks/types.ts';
import { GROUNDING_METRIC, meanShare } from '../engine/grounding.ts';
import type { PhasePolicy, Policy } from '../engine/policy.ts';
import type { EvalSet } from './domains.ts';
import { itemExample, pairExample } from './domains.ts';
import type { EvalRecord, SelectionRecord } from './types.ts';

export const PROBE_NAME = 'probe/selection';

export interface EvalResult {
  record: EvalRecord;
  selection: SelectionRecord[];
  /** Per set: share of answers equal to the item's shortcut answer where that differs from the answer. */
  shortcutShare: Record<string, number>;
}

export async function evaluatePolicy(
  policy: PhasePolicy,
  sets: EvalSet[],
  probe: Pair[],
  opts: { step: number; maxCompletionLength: number; seed: number; caClip: number },
): Promise<EvalResult> {
  const accuracies: Record<string, number> = {};
  const shortcutShare: Record<string, number> = {};
  for (const s of sets) {
    const ex = s.items.map(itemExample);
    const r = await policy.evaluateGreedy(
      ex.map((e) => e.prompt),
      ex.map((e) => e.target),
      opts.maxCompletionLength,
    );
    accuracies[s.name] = r.accuracy;
    const cued = s.items
      .map((it, i) => ({ it, t: r.texts[i].trim() }))
      .filter(({ it }) => it.shortcutAnswer !== undefined && it.shortcutAnswer !== it.answer);
    if (cued.length) shortcutShare[s.name] = cued.filter(({ it, t }) => t === it.shortcutAnswer).length / cued.length;
  }
  const selection: SelectionRecord[] = [];
  if (probe.length) {
    const ex = probe.map((p) => pairExample(p, opts.seed));
    const sc = await policy.scorePairs(ex);
    probe.forEach((p, i) => {
      const target = ex[i].positiveLetter;
      const chosen = sc.pA[i] >= sc.pB[i] ? 'A' : 'B';
      selection.push({
        pairId: p.id,
        step: opts.step,
        chosen,
        target,
        pA: sc.pA[i],
        pB: sc.pB[i],
        delta: sc.delta[i],
        atClip: Math.abs(sc.delta[i]) >= opts.caClip,
      });
    });
    accuracies[PROBE_NAME] = sc.accuracy;
    // Where the model looks on the probe: share of the gradient x input attribution of Delta on the decisive spans.
    accuracies[GROUNDING_METRIC] = meanShare(await policy.groundPairs(probe, opts.seed));
  }
  return { record: { step: opts.step, accuracies }, selection, shortcutShare };
}

/** Metric-row entries of an evaluation: eval/<benchmark>/accuracy, probe/selection_accuracy and grounding/decisive_share. */
export function evalMetrics(rec: EvalRecord): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(rec.accuracies)) {
    if (k === PROBE_NAME) out['probe/selection_accuracy'] = v;
    else if (k === GROUNDING_METRIC) out[GROUNDING_METRIC] = v;
    else out[`eval/${k}/accuracy`] = v;
  }
  return out;
}

export interface BaseFigures {
  /** Greedy accuracy on in-distribution items (the model looks facts up). */
  lookupAccuracy: number;
  /** Greedy accuracy without the shortcut cue (hard set), where the domain has one. */
  hardAccuracy?: number;
  /** Selection accuracy on easy / hard pairs; undefined where the distribution yields none of that kind. */
  easyPairAccuracy?: number;
  hardPairAccuracy?: number;
  /** Share of hard-set answers that copy the shortcut answer. */
  shortcutShare?: number;
}

export async function baseFigures(
  policy: Policy,
  sets: EvalSet[],
  easy: Pair[],
  hard: Pair[],
  opts: { maxCompletionLength: number; seed: number },
): Promise<BaseFigures> {
  const r = await evaluatePolicy(policy, sets, [], {
    step: 0,
    maxCompletionLength: opts.maxCompletionLength,
    seed: opts.seed,
    caClip: 5,
  });
  // No pairs of a kind (e.g. documents with two facts have no hard pairs): no figure, not 0%.
  const accuracy = async (pairs: Pair[]) =>
    pairs.length ? (await policy.scorePairs(pairs.map((p) => pairExample(p, opts.seed)))).accuracy : undefined;
  const easyAcc = await accuracy(easy);
  const hardAcc = await accuracy(hard);
  const hardSet = sets.find((s) => s.name.endsWith('/hard'));
  return {
    lookupAccuracy: r.record.accuracies[sets[0].name],
    hardAccuracy: hardSet ? r.record.accuracies[hardSet.name] : undefined,
    easyPairAccuracy: easyAcc,
    hardPairAccuracy: hardAcc,
    shortcutShare: hardSet ? r.shortcutShare[hardSet.name] : undefined,
  };
}
