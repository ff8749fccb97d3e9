/**
 * Hard and easy trace pairs. Hard: an anchor program (C+) and a candidate neighbour proposed by
 * one random edit; only the decisive edit (two assignments of the queried variable trade places
 * at lookup depth, one condition flips at compare depth, two assignments of the copied variable
 * trade places at chain depth) can pass the whole cascade, so the funnel shows what each filter
 * catches. Easy: C- is another program with a different answer in which the queried variable never
 * takes the answer's value (no `q=answer` token anywhere), so finding the fact is enough to choose;
 * a hard pair holds that token in both contexts and needs the last assignment. Random: C- is the
 * trace of an unrelated item (its own program and query, nothing shared by construction), kept when
 * it does not support the claim (the queried variable ends elsewhere, no `q=answer` token); its
 * negativeAnswer is the queried variable's final value in C-.
 */
import type { Funnel, Pair, PairHardness } from '../types.ts';
import { Rng } from '../rng.ts';
import { minePairs, reject, textCandidates, type Proposal } from '../mine.ts';
import { cascadeStages, runCascade, type CascadeSide } from '../cascade.ts';
import { DEPTHS, generateProgram, structureOf, type Program, type Stmt, type TraceKnobs } from './program.ts';
import { readTrace, runProgram, spansOf, type TraceRun } from './execute.ts';
import { noiseLine, QUERY_WORD } from './vocab.ts';

const MUTATIONS = [
  ['decisive', 0.4],
  ['value', 0.15],
  ['noise', 0.1],
  ['reorder', 0.1],
  ['regenerate', 0.15],
  ['retemplate', 0.1],
] as const;
type Mutation = (typeof MUTATIONS)[number][0];
const pickMutation = (rng: Rng): Mutation => rng.weighted(MUTATIONS);

const clone = (p: Program): Program => ({ ...p, stmts: p.stmts.map((s) => ({ ...s }) as Stmt) });

/** The decisive edit at the program's depth. */
export function decisiveEdit(p: Program): Program {
  const c = clone(p);
  if (p.depth === 'compare') {
    const s = c.stmts[p.pairRefs[0].stmt];
    if (s.op === 'if') s.cmp = s.cmp === '<' ? '>' : '<';
    return c;
  }
  const [a, b] = p.pairRefs.map((r) => c.stmts[r.stmt]);
  if (a.op === 'set' && b.op === 'set') [a.value, b.value] = [b.value, a.value];
  return c;
}

function mutate(rng: Rng, p: Program, m: Mutation, k: TraceKnobs): Program {
  const fixed = new Set([...p.pairRefs, ...p.itemRefs].map((r) => r.stmt));
  const free = p.stmts.map((_, i) => i).filter((i) => !fixed.has(i));
  if (m === 'decisive') return decisiveEdit(p);
  if (m === 'value' || m === 'noise') {
    const idx = free.filter((i) => p.stmts[i].op === (m === 'value' ? 'set' : 'noise'));
    if (idx.length) {
      const c = clone(p);
      const i = rng.pick(idx);
      c.stmts[i] =
        m === 'value'
          ? { ...(c.stmts[i] as Extract<Stmt, { op: 'set' }>), value: rng.int(0, 9) }
          : { op: 'noise', words: noiseLine(rng) };
      return c;
    }
  }
  if (m === 'reorder') {
    const idx = free.filter((i) => free.includes(i + 1));
    if (idx.length) {
      const c = clone(p);
      const i = rng.pick(idx);
      [c.stmts[i], c.stmts[i + 1]] = [c.stmts[i + 1], c.stmts[i]];
      return c;
    }
  }
  if (m === 'retemplate')
    return generateProgram(rng, { ...k, depth: rng.pick(DEPTHS.filter((d) => d !== k.depth)) }, false);
  return generateProgram(rng, k, false);
}

const side = (p: Program, run: TraceRun): CascadeSide => ({
  context: run.text,
  answer: run.answer,
  template: p.template,
  structure: structureOf(p),
  decisive: spansOf(run, p.pairRefs),
});

function makePair(
  id: string,
  hardness: 'easy' | 'hard',
  p: Program,
  a: TraceRun,
  q: Program,
  b: TraceRun,
  meta: Pair['meta'],
): Pair {
  const refs = (x: Program) => (hardness === 'hard' ? x.pairRefs : x.itemRefs);
  return {
    id,
    domain: 'trace',
    query: `${QUERY_WORD} ${p.query}`,
    answer: a.answer,
    negativeAnswer: b.answer,
    positive: a.text,
    negative: b.text,
    decisivePositive: spansOf(a, refs(p)),
    decisiveNegative: spansOf(b, refs(q)),
    hardness,
    meta: { depth: p.depth, method: hardness === 'hard' ? 'cascade' : 'easy', ...meta },
  };
}

export const HARD_STAGES = [
  ...cascadeStages('same template', 'same variables and line structure', 'same trace length and format'),
  'verifier',
];
export const EASY_STAGES = ['another program', 'different answer', 'answer fact absent from C-', 'verifier'];
export const RANDOM_STAGES = ['another item', 'claim false in C-', 'answer fact absent from C-', 'verifier'];

const STAGES: Record<PairHardness, string[]> = { hard: HARD_STAGES, easy: EASY_STAGES, random: RANDOM_STAGES };

function propose(r: Rng, c: number, seed: number, k: TraceKnobs, hardness: PairHardness): Proposal {
  const p = generateProgram(r, k, false);
  const a = runProgram(p);
  if (hardness === 'hard') {
    const m = pickMutation(r);
    const q = mutate(r, p, m, k);
    const b = runProgram(q);
    const res = runCascade(side(p, a), side(q, b));
    if (!res.kept) return reject(res.stage, res.reason);
    return { pair: makePair(`trace-${seed}-${c}`, 'hard', p, a, q, b, { mutation: m }) };
  }
  if (hardness === 'easy') {
    const q = generateProgram(r.fork('other'), k, false, p.query);
    const b = runProgram(q);
    if (a.answer === b.answer) return reject(1, 'equal-answers');
    if (b.text.split(' ').includes(`${p.query}=${a.answer}`)) return reject(2, 'answer-fact-in-negative');
    return { pair: makePair(`trace-easy-${seed}-${c}`, 'easy', p, a, q, b, {}) };
  }
  // random: an item of its own (own query, own program), shown under the anchor's question.
  const q = generateProgram(r.fork('random'), k, r.bool(k.shortcut));
  const b = runProgram(q);
  const claimed = readTrace(b.text, p.query);
  if (claimed === a.answer) return reject(1, 'equal-answers');
  if (b.text.split(' ').includes(`${p.query}=${a.answer}`)) return reject(2, 'answer-fact-in-negative');
  const pair = makePair(`trace-random-${seed}-${c}`, 'easy', p, a, q, { ...b, answer: claimed }, {});
  return { pair: { ...pair, meta: { ...pair.meta, method: 'random', negativeQuery: `${QUERY_WORD} ${q.query}` } } };
}

export function tracePairs(
  seed: number,
  n: number,
  k: TraceKnobs,
  hardness: PairHardness,
): { pairs: Pair[]; funnel: Funnel } {
  return minePairs({
    rng: new Rng(seed).fork(`trace-pairs-${hardness}`),
    n,
    stages: STAGES[hardness],
    maxCandidates: textCandidates(n),
    propose: (r, c) => propose(r, c, seed, k, hardness),
  });
}
