/**
 * Held out by content: the programs, documents and scenes of a run's evaluation (its benchmark
 * sets and its hard and easy probe pairs) against what its training streams show. The generators
 * draw from small spaces (a few variables, ten digits), so an evaluation context can also come up
 * in training by chance; trainingOverlap counts how often, and with the run setting holdOutContent
 * the item and pair streams skip such contexts (excludeHeldOut). The generators are prefix-stable
 * (item i and candidate c draw from their own forks), so a stream that meets no held-out context
 * is exactly the stream without the filter.
 */
import type { Context, Domain, Pair, RLItem } from '../tasks/types.ts';
import type { ResolvedRunConfig } from '../config/run-config.ts';
import type { PretrainSpec } from '../config/presets.ts';
import { stageAt } from '../config/presets.ts';
import { evalSets, knobsFor, probePairs } from './domains.ts';
import { hasPairedItems, pairedSource } from '../tasks/paired.ts';
import { PAIRED_SEED } from '../tasks/registry.ts';
import { stepCounts, unitSeed, type BudgetPlan } from './budget.ts';

/** A context as a key: the text itself, or an image's size and bytes. */
export function contentKey(ctx: Context): string {
  if (typeof ctx === 'string') return ctx;
  let s = `img:${ctx.width}x${ctx.height}:`;
  for (let i = 0; i < ctx.data.length; i += 4096) s += String.fromCharCode(...ctx.data.subarray(i, i + 4096));
  return s;
}

export const itemKey = (it: RLItem): string => contentKey(it.image ?? it.context);
export const pairKeys = (p: Pair): string[] => [contentKey(p.positive), contentKey(p.negative)];

const memo = new Map<string, Set<string>>();

/**
 * The contexts of a run's evaluation: every benchmark set's items (with the run's extra sets), both
 * contexts of every hard and easy probe pair, and both contexts of the pairs a paired set joins.
 */
export function heldOutContent(
  d: Domain,
  c: Pick<ResolvedRunConfig, 'knobs' | 'evalItems' | 'probePairs'> & { benchmarks?: readonly string[] },
): Set<string> {
  const extra = c.benchmarks ?? [];
  const key = `${d.name}|${JSON.stringify(knobsFor(d, c.knobs))}|${c.evalItems}|${c.probePairs}|${extra.join(',')}`;
  let set = memo.get(key);
  if (!set) {
    set = new Set<string>();
    for (const s of evalSets(d, c.knobs, c.evalItems, extra)) for (const it of s.items) set.add(itemKey(it));
    // A paired item's context joins two contexts of a hard pair: hold out each of them.
    if (extra.includes(`${d.name}/paired`) && hasPairedItems(d))
      for (const p of pairedSource(d, PAIRED_SEED, c.evalItems, knobsFor(d, c.knobs)))
        for (const k of pairKeys(p)) set.add(k);
    for (const h of ['hard', 'easy'] as const)
      for (const p of probePairs(d, c.knobs, c.probePairs, h)) for (const k of pairKeys(p)) set.add(k);
    if (memo.size > 16) memo.clear();
    memo.set(key, set);
  }
  return set;
}

/**
 * The first n of draw(m) that `keep` accepts. draw must be prefix-stable (draw(m) starts with
 * draw(m') for m' < m); it is called with n first and with more only when something was skipped.
 */
export function drawExcluding<T>(draw: (m: number) => T[], n: number, keep: (t: T) => boolean): T[] {
  let m = n;
  for (let round = 0; ; round++) {
    const all = draw(m);
    const kept = all.filter(keep);
    if (kept.length >= n || all.length < m || round >= 8) return kept.slice(0, n);
    m += 2 * (n - kept.length) + 2;
  }
}

export interface OverlapCount {
  /** Contexts the stream showed (a pair counts its two). */
  seen: number;
  /** Of those, contexts of the evaluation. */
  overlapping: number;
}

export interface OverlapReport {
  /** Distinct held-out contexts. */
  heldOut: number;
  items: OverlapCount;
  pairs: OverlapCount;
}

/**
 * How many of the contexts a run's RL streams would show (items and pairs over all its steps,
 * without the filter) are contexts of its evaluation. `streams` returns step s's raw items and pairs.
 */
export function trainingOverlap(
  d: Domain,
  c: ResolvedRunConfig,
  plan: BudgetPlan,
  streams: (s: number, counts: { items: number; pairs: number }) => { items: RLItem[]; pairs: Pair[] },
): OverlapReport {
  const held = heldOutContent(d, c);
  const r: OverlapReport = {
    heldOut: held.size,
    items: { seen: 0, overlapping: 0 },
    pairs: { seen: 0, overlapping: 0 },
  };
  // da-sft's pairs are the contextrl stream's, shown in its warm-up: count them as contextrl's.
  const method = c.method === 'da-sft' ? 'contextrl' : c.method;
  for (let s = 0; s < c.steps; s++) {
    const { items, pairs } = streams(s, stepCounts(plan, method, s));
    for (const it of items) {
      r.items.seen++;
      if (held.has(itemKey(it))) r.items.overlapping++;
    }
    for (const p of pairs)
      for (const k of pairKeys(p)) {
        r.pairs.seen++;
        if (held.has(k)) r.pairs.overlapping++;
      }
  }
  return r;
}

/** The same count over a base model's pretraining stream (items and easy pairs of every step), for seed `seed`. */
export function pretrainOverlap(d: Domain, spec: PretrainSpec, seed: number, held: Set<string>): OverlapReport {
  const r: OverlapReport = {
    heldOut: held.size,
    items: { seen: 0, overlapping: 0 },
    pairs: { seen: 0, overlapping: 0 },
  };
  for (let step = 0; step < spec.steps; step++) {
    const stage = stageAt(spec, step);
    const k = knobsFor(d, stage.knobs);
    const nPairs = Math.round(spec.batchSize * (stage.easyPairShare ?? spec.easyPairShare));
    for (const it of d.items(unitSeed(seed, 'pretrain-items', step), spec.batchSize - nPairs, k)) {
      r.items.seen++;
      if (held.has(itemKey(it))) r.items.overlapping++;
    }
    if (nPairs > 0)
      for (const p of d.pairs(unitSeed(seed, 'pretrain-pairs', step), nPairs, { ...k, hardness: 'easy' }).pairs)
        for (const key of pairKeys(p)) {
          r.pairs.seen++;
          if (held.has(key)) r.pairs.overlapping++;
        }
  }
  return r;
}
