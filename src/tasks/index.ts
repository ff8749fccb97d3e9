/**
 * src/tasks: pure, seeded data for the lab (no tfjs, no DOM). Three domains behind one
 * interface, registered by name (TensorFlow Playground's dataset map), their pair builders and
 * verifier, the benchmark suite, the prompt format and JSON Lines import/export.
 */
import { DOMAIN_NAMES, type Domain, type DomainName } from './types.ts';
import { traceDomain } from './trace/index.ts';
import { documentDomain } from './document/index.ts';
import { imageDomain } from './image/index.ts';
import { PROMPT_VOCABULARY } from './prompts.ts';

export const domains: Record<DomainName, Domain> = {
  trace: traceDomain,
  document: documentDomain,
  image: imageDomain,
};

export { DOMAIN_NAMES };

/** Every token any prompt can contain: the union of the domains' vocabularies and the prompt templates', sorted. */
export function allVocabulary(): string[] {
  const out = new Set<string>(PROMPT_VOCABULARY);
  for (const d of Object.values(domains)) for (const w of d.vocabulary) out.add(w);
  return [...out].sort();
}

export * from './types.ts';
export * from './rng.ts';
export * from './prompts.ts';
export * from './verify.ts';
export * from './funnel.ts';
export * from './knobs.ts';
export * from './text.ts';
export * from './printable.ts';
export * from './cascade.ts';
export * from './suites.ts';
export * from './jsonl.ts';
export * from './base64.ts';
export * from './png.ts';
export * from './trace/index.ts';
export * from './document/index.ts';
export * from './image/index.ts';
