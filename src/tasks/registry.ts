/**
 * The domains by name and the fixed held-out sets the runtime evaluates on: evaluation items per
 * benchmark and the selection probe's pairs. Pure data, so the page can show exactly the pairs a
 * run is probed on without loading the engine.
 */
import { documentDomain } from './document/index.ts';
import { imageDomain } from './image/index.ts';
import { traceDomain } from './trace/index.ts';
import type { Domain, DomainName, Knobs, Pair, PairHardness, RLItem } from './types.ts';
import { hasPairedItems, pairedItems } from './paired.ts';

const DOMAINS: Partial<Record<DomainName, Domain>> = {
  trace: traceDomain,
  document: documentDomain,
  image: imageDomain,
};

export function getDomain(name: DomainName): Domain {
  const d = DOMAINS[name];
  if (!d) throw new Error(`domain "${name}" is not available yet (available: ${Object.keys(DOMAINS).join(', ')})`);
  return d;
}

/** Registers a domain (a test domain). */
export function registerDomain(d: Domain): void {
  DOMAINS[d.name] = d;
}

/** Strips knobs a domain does not declare (presets share some knob names across domains). */
export function knobsFor(d: Domain, knobs: Knobs): Knobs {
  return Object.fromEntries(Object.entries(knobs).filter(([k]) => d.knobs.some((s) => s.name === k)));
}

export interface EvalSet {
  name: string;
  items: RLItem[];
}

function maxOf(d: Domain, knob: string): number {
  return d.knobs.find((s) => s.name === knob)?.max ?? Infinity;
}

/** The seed of the paired set (`<domain>/paired`, src/tasks/paired.ts). */
export const PAIRED_SEED = 90_004;

/**
 * Fixed-seed evaluation sets of a domain: in-distribution (the run's knobs) and hard (no shortcut)
 * or long; with `extra` naming `<domain>/paired` (a text domain), also the paired set: a hard
 * pair's C+ and C- in one context.
 */
export function evalSets(d: Domain, knobs: Knobs, n: number, extra: readonly string[] = []): EvalSet[] {
  const k = knobsFor(d, knobs);
  const has = (name: string) => d.knobs.some((s) => s.name === name);
  const sets: EvalSet[] = [{ name: `${d.name}/in-distribution`, items: d.items(90_001, n, k) }];
  if (has('shortcut')) sets.push({ name: `${d.name}/hard`, items: d.items(90_002, n, { ...k, shortcut: 0 }) });
  if (d.name === 'document' && has('filler'))
    sets.push({
      name: 'document/needle',
      // Four times the run's filler, within the knob's range (a bigger one failed the knob check).
      items: d.items(90_003, n, { ...k, filler: Math.min(maxOf(d, 'filler'), Math.max(8, Number(k.filler ?? 0) * 4)) }),
    });
  if (extra.includes(`${d.name}/paired`) && hasPairedItems(d))
    sets.push({ name: `${d.name}/paired`, items: pairedItems(d, PAIRED_SEED, n, k) });
  return sets;
}

const PROBE_SEEDS: Record<PairHardness, number> = { hard: 80_001, easy: 80_002, random: 80_003 };

/** The held-out probe pairs (fixed seed, never seen in training). */
export function probePairs(d: Domain, knobs: Knobs, n: number, hardness: PairHardness = 'hard'): Pair[] {
  if (n <= 0) return [];
  return d.pairs(PROBE_SEEDS[hardness], n, { ...knobsFor(d, knobs), hardness }).pairs;
}
