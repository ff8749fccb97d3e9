/**
 * Documents: short factual sentences about entities plus filler sentences, and a query about
 * one fact. The reader answers from the text alone (the last matching fact unit wins).
 */
import type { DecisiveSpan } from '../types.ts';
import type { Rng } from '../rng.ts';
import {
  BARE_TEMPLATE,
  ENTITIES,
  FACT_TEMPLATES,
  FILLERS,
  RELATION_NAMES,
  RELATIONS,
  fact,
  type Entity,
  type Relation,
} from './vocab.ts';

export type Sentence =
  { kind: 'fact'; entity: Entity; rel: Relation; value: string; template: number } | { kind: 'filler'; index: number };

export interface Doc {
  sentences: Sentence[];
  /** Index of the sentence that decides the answer. */
  decisive: number;
  query: { entity: Entity; rel: Relation };
  /** Same entities and relations. */
  template: string;
  /** Hard pair's C- only: the sentence whose value traded places with the decisive one. */
  partner?: number;
}

export interface DocKnobs {
  facts: number;
  relations: number;
  filler: number;
  position: 'any' | 'early' | 'middle' | 'late';
  /** Entities drawn from: the first `entities` of ENTITIES (default all 16). */
  entities?: number;
  /** Share of fact sentences written as the fact unit alone, without template words (default 0). */
  bare?: number;
}

export interface DocRender {
  text: string;
  answer: string;
  sentences: { start: number; end: number }[];
}

/**
 * `ask`: the fact to ask about (easy pairs ask C- the anchor's question).
 * `decoy`: another entity holds the same value as the answer and one more holds `decoyValue`
 * (the value a pair's C- will answer), so both answers are mentioned in both contexts.
 */
export function generateDoc(rng: Rng, k: DocKnobs, decoy: boolean, ask?: Doc['query']): Doc {
  const count = Math.max(1, Math.min(ENTITIES.length, Math.round(k.facts)));
  // A smaller pool makes every fact token (`desk:red`) frequent; it never holds fewer than `count`.
  const pool = ENTITIES.slice(0, Math.max(count, Math.min(ENTITIES.length, Math.round(k.entities ?? ENTITIES.length))));
  const ents = ask
    ? [
        ask.entity,
        ...rng.sample(
          pool.filter((e) => e !== ask.entity),
          count - 1,
        ),
      ]
    : rng.sample(pool, count);
  const rels = RELATION_NAMES.slice(0, Math.max(1, Math.min(2, Math.round(k.relations))));
  const query = ask ?? { entity: ents[0], rel: rng.pick(rels) };
  const facts: Sentence[] = [];
  for (const e of ents) {
    for (const rel of rels)
      facts.push({
        kind: 'fact',
        entity: e,
        rel,
        value: rng.pick(RELATIONS[rel].values),
        template: rng.int(0, FACT_TEMPLATES.length - 1),
      });
  }
  // Drawn only when asked for, so documents with the default (0) are the same as before the knob.
  const bare = k.bare ?? 0;
  if (bare > 0) for (const f of facts) if (f.kind === 'fact' && rng.bool(bare)) f.template = BARE_TEMPLATE;
  const same = facts.filter((f) => f.kind === 'fact' && f.rel === query.rel) as Extract<Sentence, { kind: 'fact' }>[];
  if (decoy && same.length >= 3) {
    const [, b, c] = same;
    const v = same[0].value;
    b.value = v;
    c.value = rng.pick(RELATIONS[query.rel].values.filter((x) => x !== v));
  }
  const fillers: Sentence[] = Array.from({ length: Math.max(0, Math.round(k.filler)) }, () => ({
    kind: 'filler',
    index: rng.int(0, FILLERS.length - 1),
  }));
  const main = same[0];
  const rest = rng.shuffle([...facts.filter((x) => x !== main), ...fillers]);
  const n = rest.length + 1;
  const f = { any: [0, 1], early: [0, 1 / 3], middle: [1 / 3, 2 / 3], late: [2 / 3, 1] }[k.position];
  const at = rng.int(Math.floor(f[0] * (n - 1)), Math.floor(f[1] * (n - 1)));
  const sentences = [...rest.slice(0, at), main, ...rest.slice(at)];
  return { sentences, decisive: at, query, template: `${[...ents].sort().join(',')}/${rels.length}/${fillers.length}` };
}

export function sentenceTokens(s: Sentence): readonly string[] {
  if (s.kind === 'filler') return FILLERS[s.index];
  if (s.template === BARE_TEMPLATE) return [fact(s.entity, s.rel, s.value)];
  return FACT_TEMPLATES[s.template].map((w) => (w === 'X' ? fact(s.entity, s.rel, s.value) : w));
}

export function renderDoc(d: Doc): DocRender {
  let text = '';
  const sentences: { start: number; end: number }[] = [];
  d.sentences.forEach((s, i) => {
    if (i > 0) text += ' ';
    const start = text.length;
    text += sentenceTokens(s).join(' ');
    sentences.push({ start, end: text.length });
  });
  const q = d.sentences[d.decisive];
  return { text, answer: q.kind === 'fact' ? q.value : '', sentences };
}

export const docQuery = (d: Doc) => `${d.query.rel} ${d.query.entity}`;

/** The decisive sentence's span, and the partner sentence's (`partner`) when a swap made the pair. */
export function decisiveSpan(r: DocRender, d: Doc, partner?: number): DecisiveSpan[] {
  const at = partner === undefined ? [d.decisive] : [d.decisive, partner].sort((a, b) => a - b);
  return at.map((i) => ({ kind: 'text', start: r.sentences[i].start, end: r.sentences[i].end }));
}

/** Sentence kinds and facts' entities and relations, in order. */
export function docStructure(d: Doc): string {
  return d.sentences.map((s) => (s.kind === 'filler' ? 'filler' : `${s.entity}.${s.rel}.${s.template}`)).join(' ');
}

/** The answer to `colour lamp` / `place lamp` from the text alone. */
export function readDocument(text: string, query: string): string {
  const [relWord, entity] = query.split(' ');
  const rel = RELATION_NAMES.find((r) => r === relWord);
  if (!rel || !entity) return '';
  const prefix = `${entity}${RELATIONS[rel].sep}`;
  let answer = '';
  for (const t of text.split(' ')) if (t.startsWith(prefix)) answer = t.slice(prefix.length);
  return answer;
}
