/**
 * The document domain ("the one sentence that matters"): facts about entities as compact units
 * (`lamp:blue` colour, `lamp@attic` place) inside filler sentences, and a query about one fact.
 * One encoded example, `documentDomain.items(1, 1)[0]` (default knobs):
 *
 *   context  sam fixed the fence . rain fell at noon . lamp:blue was seen . note coat:red . report key:white . box:red was seen .
 *   query    colour box
 *   answer   red
 *   prompt   sam fixed the fence . rain fell at noon . lamp:blue was seen . note coat:red . report key:white . box:red was seen . | colour box ->
 *
 * (`coat:red` is the decoy: the answer word alone does not find the fact.)
 * A hard pair swaps the value in the decisive sentence with another entity's value, so both answers
 * appear in both contexts, equally often. The needle variant buries the facts in many filler sentences.
 */
import { PAIR_HARDNESS, type Domain, type KnobSpec, type Knobs, type PairHardness, type RLItem } from '../types.ts';
import { Rng } from '../rng.ts';
import { exactReward, resolveKnobs } from '../knobs.ts';
import { decisiveSpan, docQuery, generateDoc, renderDoc, type DocKnobs } from './doc.ts';
import { documentPairs } from './pairs.ts';
import { documentVocabulary } from './vocab.ts';

export const DOCUMENT_KNOBS: KnobSpec[] = [
  {
    name: 'facts',
    default: 4,
    min: 1,
    max: 16,
    help: 'Entities the document states facts about (hard pairs need 3 for decoys).',
  },
  {
    name: 'entities',
    default: 16,
    min: 1,
    max: 16,
    help: 'How many different entities documents draw from (fewer: each fact is seen more often; pretraining starts small).',
  },
  { name: 'relations', default: 1, min: 1, max: 2, help: 'Facts per entity: colour only (1) or colour and place (2).' },
  {
    name: 'filler',
    default: 2,
    min: 0,
    max: 200,
    help: 'Filler sentences that state nothing (the haystack; the needle set uses many).',
  },
  {
    name: 'bare',
    default: 0,
    min: 0,
    max: 1,
    help: 'Share of fact sentences written as the fact unit alone, without template words (pretraining starts at 1: selection is learned far sooner there).',
  },
  {
    name: 'position',
    default: 'any',
    options: ['any', 'early', 'middle', 'late'],
    help: 'Where the decisive sentence sits in the document.',
  },
  {
    name: 'decoy',
    default: true,
    help: 'Items only: another entity shares the answer, so the answer word alone does not find the fact.',
  },
  {
    name: 'hardness',
    default: 'hard',
    options: [...PAIR_HARDNESS],
    help: 'Pairs only: hard pairs differ in the decisive sentence, easy ones are different documents, random ones unrelated items.',
  },
];

export function documentKnobs(knobs?: Knobs): DocKnobs & { decoy: boolean; hardness: PairHardness } {
  const k = resolveKnobs('document', DOCUMENT_KNOBS, knobs);
  return {
    facts: k.facts as number,
    relations: k.relations as number,
    entities: k.entities as number,
    filler: k.filler as number,
    bare: k.bare as number,
    position: k.position as DocKnobs['position'],
    decoy: k.decoy as boolean,
    hardness: k.hardness as PairHardness,
  };
}

export function documentItems(seed: number, n: number, knobs?: Knobs): RLItem[] {
  const k = documentKnobs(knobs);
  const rng = new Rng(seed).fork('document-items');
  return Array.from({ length: n }, (_, i) => {
    const d = generateDoc(rng.fork(i), k, k.decoy);
    const r = renderDoc(d);
    return {
      id: `document-${seed}-${i}`,
      domain: 'document',
      query: docQuery(d),
      context: r.text,
      answer: r.answer,
      decisive: decisiveSpan(r, d),
      meta: {
        facts: k.facts,
        filler: k.filler,
        sentences: d.sentences.length,
        position: d.decisive,
        tokens: r.text.split(' ').length,
      },
    };
  });
}

export const documentDomain: Domain = {
  name: 'document',
  vocabulary: documentVocabulary(),
  knobs: DOCUMENT_KNOBS,
  items: documentItems,
  pairs(seed, n, knobs) {
    const k = documentKnobs(knobs);
    return documentPairs(seed, n, k, k.hardness);
  },
  reward: (item, completion) => exactReward(item.answer, completion),
};

export { generateDoc, readDocument, renderDoc } from './doc.ts';
export type { Doc, DocKnobs, Sentence } from './doc.ts';
export { documentPairs, editDecisive } from './pairs.ts';
export { BARE_TEMPLATE, documentVocabulary, ENTITIES, RELATIONS } from './vocab.ts';
