/**
 * The runtime's view of the task domains: lookup by name, the tokenizer a domain trains with, the
 * prompts and targets of items and pairs, and fixed evaluation sets.
 */
import { documentDomain } from '../tasks/document/index.ts';
import { imageDomain } from '../tasks/image/index.ts';
import { formatItemPrompt, formatPairPrompt, pairSideSeed, PROMPT_VOCABULARY } from '../tasks/prompts.ts';
import { traceDomain } from '../tasks/trace/index.ts';
import type { Domain, DomainName, Knobs, Pair, RLItem } from '../tasks/types.ts';
import type { PairExample, SFTExample } from '../engine/policy.ts';
import { Tokenizer } from '../engine/tokenizer.ts';

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

/** Registers a domain (the image domain, or a test domain). */
export function registerDomain(d: Domain): void {
  DOMAINS[d.name] = d;
}

/** The vocabulary a domain's tokenizer is built from (stored in checkpoints so later vocab edits don't break them). */
export function domainVocabulary(d: Domain): string[] {
  return [...new Set([...d.vocabulary, ...PROMPT_VOCABULARY.filter((w) => w !== '<img>')])];
}

export function makeTokenizer(vocabulary: string[]): Tokenizer {
  return new Tokenizer(vocabulary);
}

export function itemExample(item: RLItem): SFTExample {
  return { prompt: formatItemPrompt(item), target: item.answer };
}

/** A pair as the selection prompt, C+ on a seeded side per pair id. */
export function pairExample(pair: Pair, seed: number): PairExample {
  const { prompt, target } = formatPairPrompt(pair, pairSideSeed(pair.id, seed));
  return { prompt, positiveLetter: target };
}

/** Strips knobs a domain does not declare (presets share some knob names across domains). */
export function knobsFor(d: Domain, knobs: Knobs): Knobs {
  return Object.fromEntries(Object.entries(knobs).filter(([k]) => d.knobs.some((s) => s.name === k)));
}

export interface EvalSet {
  name: string;
  items: RLItem[];
}

/** Fixed-seed evaluation sets of a domain: in-distribution (the run's knobs) and hard (no shortcut) or long. */
export function evalSets(d: Domain, knobs: Knobs, n: number): EvalSet[] {
  const k = knobsFor(d, knobs);
  const has = (name: string) => d.knobs.some((s) => s.name === name);
  const sets: EvalSet[] = [{ name: `${d.name}/in-distribution`, items: d.items(90_001, n, k) }];
  if (has('shortcut')) sets.push({ name: `${d.name}/hard`, items: d.items(90_002, n, { ...k, shortcut: 0 }) });
  if (d.name === 'document' && has('filler'))
    sets.push({
      name: 'document/needle',
      items: d.items(90_003, n, { ...k, filler: Math.max(8, Number(k.filler ?? 0) * 4) }),
    });
  return sets;
}

/** The held-out probe pairs (fixed seed, never seen in training). */
export function probePairs(d: Domain, knobs: Knobs, n: number, hardness: 'hard' | 'easy' = 'hard'): Pair[] {
  if (n <= 0) return [];
  return d.pairs(hardness === 'hard' ? 80_001 : 80_002, n, { ...knobsFor(d, knobs), hardness }).pairs;
}
