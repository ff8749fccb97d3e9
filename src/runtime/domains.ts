/**
 * The runtime's view of the task domains: the tokenizer a domain trains with and the prompts and
 * targets of items and pairs; lookup by name and the fixed evaluation sets are the tasks layer's
 * (src/tasks/registry.ts), re-exported here.
 */
import { formatItemPrompt, formatPairPrompt, pairSideSeed, PROMPT_VOCABULARY } from '../tasks/prompts.ts';
import type { Domain, Pair, RLItem } from '../tasks/types.ts';
import type { PairExample, SFTExample } from '../engine/policy.ts';
import { Tokenizer } from '../engine/tokenizer.ts';

export { getDomain, registerDomain, knobsFor, evalSets, probePairs } from '../tasks/registry.ts';
export type { EvalSet } from '../tasks/registry.ts';

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
