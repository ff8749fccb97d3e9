/**
 * Document pairs. Hard: the anchor document (C+) and a candidate neighbour proposed by one
 * random edit; only the decisive edit passes the whole cascade: the queried fact's value trades
 * places with another entity's value (`lamp:red cup:blue` -> `lamp:blue cup:red`), so both answers
 * appear in both contexts, equally often (the two contexts hold the same words: counting the
 * answer word does not find C+). Easy: C- is another document about the same entity with a
 * different answer. Random: C- is an unrelated item's document (its own entities and question),
 * kept when it does not state the anchor's fact with the anchor's value.
 */
import type { Funnel, Pair, PairHardness } from '../types.ts';
import { Rng } from '../rng.ts';
import { minePairs, reject, textCandidates, type Proposal } from '../mine.ts';
import { cascadeStages, runCascade, type CascadeSide } from '../cascade.ts';
import { FILLERS, RELATIONS } from './vocab.ts';
import {
  decisiveSpan,
  docQuery,
  docStructure,
  generateDoc,
  readDocument,
  renderDoc,
  type Doc,
  type DocKnobs,
  type DocRender,
  type Sentence,
} from './doc.ts';

const MUTATIONS = [
  ['decisive', 0.4],
  ['value', 0.15],
  ['filler', 0.1],
  ['reorder', 0.1],
  ['regenerate', 0.15],
  ['retemplate', 0.1],
] as const;
type Mutation = (typeof MUTATIONS)[number][0];
const pickMutation = (rng: Rng): Mutation => rng.weighted(MUTATIONS);

const clone = (d: Doc): Doc => ({ ...d, sentences: d.sentences.map((s) => ({ ...s }) as Sentence) });
type Fact = Extract<Sentence, { kind: 'fact' }>;

/**
 * Swap the decisive sentence's value with the value of another fact of the same relation that
 * differs from it (`partner`). A plain edit to another value would leave C+ with one more copy of
 * the answer word than C-, a counting cue that picks C+ in every pair. No such fact: unchanged
 * (the cascade rejects identical contexts).
 */
export function editDecisive(rng: Rng, d: Doc): Doc {
  const c = clone(d);
  const main = c.sentences[d.decisive] as Fact;
  const others = c.sentences
    .map((s, i) => ({ s, i }))
    .filter(({ s, i }) => i !== d.decisive && s.kind === 'fact' && s.rel === main.rel && s.value !== main.value);
  if (others.length === 0) return c;
  const { s, i } = rng.pick(others);
  const other = s as Fact;
  [main.value, other.value] = [other.value, main.value];
  return { ...c, partner: i };
}

function mutate(rng: Rng, d: Doc, m: Mutation, k: DocKnobs): Doc {
  const free = d.sentences.map((_, i) => i).filter((i) => i !== d.decisive);
  if (m === 'decisive') return editDecisive(rng, d);
  if (m === 'value' || m === 'filler') {
    const idx = free.filter((i) => d.sentences[i].kind === (m === 'value' ? 'fact' : 'filler'));
    if (idx.length) {
      const c = clone(d);
      const s = c.sentences[rng.pick(idx)];
      if (s.kind === 'fact') s.value = rng.pick(RELATIONS[s.rel].values);
      else s.index = rng.int(0, FILLERS.length - 1);
      return c;
    }
  }
  if (m === 'reorder' && free.length >= 2) {
    const c = clone(d);
    const [i, j] = rng.sample(free, 2);
    [c.sentences[i], c.sentences[j]] = [c.sentences[j], c.sentences[i]];
    return c;
  }
  if (m === 'retemplate') return generateDoc(rng, { ...k, facts: k.facts + 1 }, true);
  return generateDoc(rng, k, true);
}

const side = (d: Doc, r: DocRender, partner?: number): CascadeSide => ({
  context: r.text,
  answer: r.answer,
  template: d.template,
  structure: docStructure(d),
  decisive: decisiveSpan(r, d, partner),
});

export const HARD_STAGES = [
  ...cascadeStages('same entities', 'same sentence structure', 'same length and format'),
  'verifier',
];
export const EASY_STAGES = ['another document', 'different answer', 'verifier'];
export const RANDOM_STAGES = ['another item', 'claim false in C-', 'verifier'];

const STAGES: Record<PairHardness, string[]> = { hard: HARD_STAGES, easy: EASY_STAGES, random: RANDOM_STAGES };

function propose(r: Rng, c: number, seed: number, k: DocKnobs, hardness: PairHardness): Proposal {
  const d = generateDoc(r, k, true);
  const a = renderDoc(d);
  let e: Doc;
  let m = 'another';
  if (hardness === 'hard') {
    m = pickMutation(r);
    e = mutate(r, d, m as Mutation, k);
  } else if (hardness === 'easy') {
    e = generateDoc(r.fork('other'), k, true, d.query);
  } else {
    // random: an item of its own (own entities and question), shown under the anchor's question.
    e = generateDoc(r.fork('random'), k, true);
    m = 'random';
  }
  const b = renderDoc(e);
  // A swap's partner sentence is part of what differs, in both contexts.
  const partner = e.partner;
  // Random: C-'s answer to the anchor's question, or its own answer where it never mentions the fact.
  const negativeAnswer = hardness === 'random' ? readDocument(b.text, docQuery(d)) || b.answer : b.answer;
  if (hardness === 'hard') {
    const res = runCascade(side(d, a, partner), side(e, b, partner));
    if (!res.kept) return reject(res.stage, res.reason);
  } else if (a.answer === negativeAnswer) return reject(1, 'equal-answers');
  const pair: Pair = {
    id: `document-${hardness === 'hard' ? '' : `${hardness}-`}${seed}-${c}`,
    domain: 'document',
    query: docQuery(d),
    answer: a.answer,
    negativeAnswer,
    positive: a.text,
    negative: b.text,
    decisivePositive: decisiveSpan(a, d, partner),
    decisiveNegative: decisiveSpan(b, e, partner),
    hardness: hardness === 'hard' ? 'hard' : 'easy',
    meta: {
      method: hardness === 'hard' ? 'cascade' : hardness,
      mutation: m,
      sentences: d.sentences.length,
      ...(hardness === 'random' ? { negativeQuery: docQuery(e) } : {}),
    },
  };
  return { pair };
}

export function documentPairs(
  seed: number,
  n: number,
  k: DocKnobs,
  hardness: PairHardness,
): { pairs: Pair[]; funnel: Funnel } {
  return minePairs({
    rng: new Rng(seed).fork(`document-pairs-${hardness}`),
    n,
    stages: STAGES[hardness],
    maxCandidates: textCandidates(n),
    propose: (r, c) => propose(r, c, seed, k, hardness),
  });
}
