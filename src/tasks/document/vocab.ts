/**
 * The document domain's words. A fact is ONE token: `lamp:blue` (colour) or `lamp@attic`
 * (place), so looking a fact up is a single attention hop.
 */
export const ENTITIES = [
  'lamp',
  'desk',
  'book',
  'cup',
  'door',
  'key',
  'coat',
  'shoe',
  'vase',
  'clock',
  'rug',
  'bowl',
  'chair',
  'box',
  'pen',
  'hat',
] as const;
export type Entity = (typeof ENTITIES)[number];

export const RELATIONS = {
  colour: { sep: ':', values: ['red', 'blue', 'green', 'black', 'white', 'gold'] },
  place: { sep: '@', values: ['kitchen', 'hall', 'attic', 'garden', 'office', 'garage'] },
} as const;
export type Relation = keyof typeof RELATIONS;
export const RELATION_NAMES: readonly Relation[] = ['colour', 'place'];

export const fact = (e: string, rel: Relation, value: string) => `${e}${RELATIONS[rel].sep}${value}`;

/** Sentences that state a fact; `X` is the fact unit. */
export const FACT_TEMPLATES: readonly (readonly string[])[] = [
  ['note', 'X', '.'],
  ['we', 'saw', 'X', '.'],
  ['the', 'log', 'says', 'X', '.'],
  ['X', 'was', 'seen', '.'],
  ['report', 'X', '.'],
];

/**
 * Template id of a bare fact sentence: the fact unit alone (`lamp:blue`), no words around it.
 * Pretraining starts there: a 2-layer model finds the selection skill (which option holds the
 * fact) within a few hundred steps when the options are bare facts, and not in thousands when
 * every fact sits inside template words.
 */
export const BARE_TEMPLATE = -1;

/** Sentences that state nothing about any entity (the haystack). */
export const FILLERS: readonly (readonly string[])[] = [
  ['the', 'sky', 'was', 'grey', '.'],
  ['tom', 'went', 'home', 'early', '.'],
  ['nothing', 'else', 'moved', '.'],
  ['the', 'meeting', 'ended', '.'],
  ['rain', 'fell', 'at', 'noon', '.'],
  ['ann', 'read', 'a', 'letter', '.'],
  ['the', 'train', 'was', 'late', '.'],
  ['we', 'had', 'tea', '.'],
  ['the', 'dog', 'slept', '.'],
  ['sam', 'fixed', 'the', 'fence', '.'],
  ['it', 'was', 'quiet', '.'],
  ['the', 'bus', 'came', 'twice', '.'],
];

export function documentVocabulary(): string[] {
  const out = new Set<string>([...ENTITIES, ...RELATION_NAMES]);
  for (const rel of RELATION_NAMES) {
    for (const v of RELATIONS[rel].values) {
      out.add(v);
      for (const e of ENTITIES) out.add(fact(e, rel, v));
    }
  }
  for (const s of [...FACT_TEMPLATES, ...FILLERS]) for (const w of s) if (w !== 'X') out.add(w);
  return [...out].sort();
}
