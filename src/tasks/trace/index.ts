/**
 * The trace domain (the coding-agent analogue): a tool-log execution trace of a small program,
 * and a question about the final value of one variable. One encoded example,
 * `traceDomain.items(1, 4)[3]` (default knobs):
 *
 *   context  b=4 ; a=3 ; b=3 ; d=6 ; $ make build ok ; warn unused import ; c=1 ; a=1
 *   query    final b
 *   answer   3
 *   prompt   b=4 ; a=3 ; b=3 ; d=6 ; $ make build ok ; warn unused import ; c=1 ; a=1 | final b ->
 *
 * (shortcutAnswer 4: copying b's first assignment fails here.) A hard lookup pair swaps `b=4`
 * and `b=3`: C- ends with `b=4`, answers 4, and holds the very same tokens, so only the
 * position of the last assignment separates the two contexts.
 */
import { PAIR_HARDNESS, type Domain, type KnobSpec, type Knobs, type PairHardness, type RLItem } from '../types.ts';
import { Rng } from '../rng.ts';
import { exactReward, resolveKnobs } from '../knobs.ts';
import { DEPTHS, generateProgram, POSITIONS, type Depth, type Position, type TraceKnobs } from './program.ts';
import { runProgram, spansOf } from './execute.ts';
import { tracePairs } from './pairs.ts';
import { QUERY_WORD, traceVocabulary } from './vocab.ts';

export const TRACE_KNOBS: KnobSpec[] = [
  {
    name: 'steps',
    default: 6,
    min: 2,
    max: 80,
    help: 'Program statements in the trace; long-horizon sets use 40 or more.',
  },
  {
    name: 'noise',
    default: 2,
    min: 0,
    max: 60,
    help: 'Tool-log noise lines (file listings, test output, status) mixed into the trace.',
  },
  {
    name: 'vars',
    default: 4,
    min: 2,
    max: 5,
    help: 'Variables in play (a..e); deeper evidence raises it to what it needs.',
  },
  {
    name: 'depth',
    default: 'lookup',
    options: [...DEPTHS],
    help: 'Decisive evidence: the last assignment (lookup), a condition (compare), or a copy of a variable (chain).',
  },
  {
    name: 'position',
    default: 'any',
    options: [...POSITIONS],
    help: 'Where the decisive line sits among the statements.',
  },
  {
    name: 'shortcut',
    default: 0.8,
    min: 0,
    max: 1,
    help: "How often the queried variable's first assignment already equals its final value (a cheap cue); hard sets use 0.",
  },
  {
    name: 'hardness',
    default: 'hard',
    options: [...PAIR_HARDNESS],
    help: 'Pairs only: hard pairs differ at the decisive spot, easy ones are different programs, random ones unrelated items.',
  },
];

export function traceKnobs(knobs?: Knobs): TraceKnobs & { hardness: PairHardness } {
  const k = resolveKnobs('trace', TRACE_KNOBS, knobs);
  return {
    steps: k.steps as number,
    noise: k.noise as number,
    vars: k.vars as number,
    depth: k.depth as Depth,
    position: k.position as Position,
    shortcut: k.shortcut as number,
    hardness: k.hardness as PairHardness,
  };
}

export function traceItems(seed: number, n: number, knobs?: Knobs): RLItem[] {
  const k = traceKnobs(knobs);
  const rng = new Rng(seed).fork('trace-items');
  return Array.from({ length: n }, (_, i) => {
    const r = rng.fork(i);
    const p = generateProgram(r, k, r.bool(k.shortcut));
    const run = runProgram(p);
    return {
      id: `trace-${seed}-${i}`,
      domain: 'trace',
      query: `${QUERY_WORD} ${p.query}`,
      context: run.text,
      answer: run.answer,
      shortcutAnswer: run.shortcut,
      decisive: spansOf(run, p.itemRefs),
      meta: {
        depth: k.depth,
        steps: k.steps,
        noise: k.noise,
        shortcut: run.shortcut === run.answer,
        tokens: run.text.split(' ').length,
      },
    };
  });
}

export const traceDomain: Domain = {
  name: 'trace',
  vocabulary: traceVocabulary(),
  knobs: TRACE_KNOBS,
  items: traceItems,
  pairs(seed, n, knobs) {
    const k = traceKnobs(knobs);
    return tracePairs(seed, n, k, k.hardness);
  },
  reward: (item, completion) => exactReward(item.answer, completion),
};

export { generateProgram, structureOf, DEPTHS, POSITIONS } from './program.ts';
export type { Depth, Position, Program, Stmt, TraceKnobs } from './program.ts';
export { readTrace, runProgram } from './execute.ts';
export { decisiveEdit, tracePairs } from './pairs.ts';
export { traceVocabulary } from './vocab.ts';
