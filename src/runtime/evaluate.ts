/**
 * Evaluation: greedy exact-match accuracy on each benchmark set (eval/<benchmark>/accuracy) and
 * the selection probe (teacher-forced Delta on held-out pairs, probe/selection_accuracy), plus the
 * base-model figures of docs/METHOD.md section 7 (lookup, easy/hard-pair selection, shortcut share).
 *
 * The chain of the Comparison panel, one record entry per link (names in src/results/results.ts):
 *   probe/ca_loss                   mean L_CA (hard clip at the run's caClip) on the hard probe pairs
 *   probe/selection                 selection accuracy on the hard probe pairs
 *   grounding/items_decisive_share  decisive share of grad x input on hard end-task items (GROUNDING_CAP of them)
 *   <domain>/hard or document/needle  the end task
 * beside probe/selection_easy (held-out easy pairs) and grounding/decisive_share (on the probe pairs).
 */
import type { Pair, RLItem } from '../tasks/types.ts';
import { GROUNDING_METRIC, meanShare } from '../engine/grounding.ts';
import type { PhasePolicy, Policy } from '../engine/policy.ts';
import {
  CA_LOSS_BENCHMARK,
  endTaskOf,
  evalMetricName,
  ITEMS_GROUNDING_BENCHMARK,
  PROBE_EASY_BENCHMARK,
} from '../results/results.ts';
import type { EvalSet } from './domains.ts';
import { itemExample, pairExample } from './domains.ts';
import type { EvalRecord, SelectionRecord } from './types.ts';

export const PROBE_NAME = 'probe/selection';

/**
 * The grounding shares are measured on a capped subset: the first GROUNDING_CAP probe pairs
 * (grounding/decisive_share) and the first GROUNDING_CAP hard end-task items
 * (grounding/items_decisive_share). Attribution costs a backward pass per prompt (on 2 CPU cores
 * with wasm about 20 ms a pair, 8 ms an item at the ablation's sizes), and at 100 prompts the
 * share's standard error is about 1 point (per-prompt shares spread by ~0.1).
 */
export const GROUNDING_CAP = 100;

/** The hard end-task items grounding/items_decisive_share is scored on (`<domain>/hard`, else document/needle, else the first set). */
export function groundingItems(sets: EvalSet[], cap = GROUNDING_CAP): RLItem[] {
  const name = endTaskOf(sets.map((s) => s.name));
  const set = sets.find((s) => s.name === name) ?? sets[0];
  return set ? set.items.slice(0, cap) : [];
}

/** Mean L_CA with the hard clip: softplus(-clip(Delta, -c, c)) averaged over pairs (losses.ts contextSelectionLoss). */
export function meanCaLoss(deltas: readonly number[], c: number): number {
  if (!deltas.length) return NaN;
  const softplus = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
  return deltas.reduce((a, d) => a + softplus(-Math.min(c, Math.max(-c, d))), 0) / deltas.length;
}

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
  opts: {
    step: number;
    maxCompletionLength: number;
    seed: number;
    caClip: number;
    /** Held-out easy pairs: probe/selection_easy. */
    easyProbe?: Pair[];
    /** Single-context hard items: grounding/items_decisive_share. */
    groundingItems?: RLItem[];
  },
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
    accuracies[CA_LOSS_BENCHMARK] = meanCaLoss(sc.delta, opts.caClip);
    // Where the model looks on the probe: share of the gradient x input attribution of Delta on the decisive spans.
    accuracies[GROUNDING_METRIC] = meanShare(await policy.groundPairs(probe.slice(0, GROUNDING_CAP), opts.seed));
  }
  if (opts.easyProbe?.length)
    accuracies[PROBE_EASY_BENCHMARK] = (
      await policy.scorePairs(opts.easyProbe.map((p) => pairExample(p, opts.seed)))
    ).accuracy;
  if (opts.groundingItems?.length)
    // Where the model looks on end-task items: the share of the attribution of its answer on the decisive span.
    accuracies[ITEMS_GROUNDING_BENCHMARK] = meanShare(await policy.groundItems(opts.groundingItems));
  return { record: { step: opts.step, accuracies }, selection, shortcutShare };
}

/**
 * Metric-row entries of an evaluation: eval/<benchmark>/accuracy, probe/selection_accuracy,
 * probe/selection_easy_accuracy, probe/ca_loss and the grounding shares (results.ts evalMetricName).
 */
export function evalMetrics(rec: EvalRecord): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(rec.accuracies)) out[evalMetricName(k)] = v;
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
