/**
 * Paired items: a hard pair's C+ and C- in one long context, the paper's long-horizon failure mode
 * (a near-identical earlier context beside the one that decides). The two blocks are joined as one
 * log (`first ; second` for traces, one document after the other), and the question is asked of
 * the whole: the later block decides (the last assignment, the last matching fact), so the answer
 * is the second block's and copying the first block's is the distractor's answer (shortcutAnswer).
 * Which of C+ and C- comes second is a seeded coin per item. Text domains only.
 *
 *   trace  `b=4 ; a=3 ; b=3 ; ... ; b=3 ; a=3 ; b=4 ; ... | final b ->`   answer 4 (the second block's)
 */
import type { Domain, Knobs, Pair, RLItem } from './types.ts';
import { Rng } from './rng.ts';
import { readTrace } from './trace/execute.ts';
import { readDocument } from './document/doc.ts';

/** How two blocks join into one context, and the reader that answers from the joined text. */
const JOIN: Partial<Record<Domain['name'], { sep: string; read: (text: string, query: string) => string }>> = {
  trace: { sep: ' ; ', read: readTrace },
  document: { sep: ' ', read: readDocument },
};

export function hasPairedItems(d: Domain): boolean {
  return JOIN[d.name] !== undefined;
}

/** The hard pairs n paired items are made of (2n drawn; also for the held-out check). */
export function pairedSource(d: Domain, seed: number, n: number, knobs: Knobs): Pair[] {
  return d.pairs(seed, 2 * n, { ...knobs, hardness: 'hard' }).pairs;
}

/**
 * n paired items from the first hard pairs of (seed). A pair whose joined context the reader does
 * not answer with the second block's answer (a copy or condition reading a variable the first block
 * left set) is skipped; pairedSource draws 2n pairs, which has always been enough.
 */
export function pairedItems(d: Domain, seed: number, n: number, knobs: Knobs): RLItem[] {
  const j = JOIN[d.name];
  if (!j) throw new Error(`paired items need a text domain (trace or document), not ${d.name}`);
  const rng = new Rng(seed).fork('paired-items');
  const out: RLItem[] = [];
  for (const [i, p] of pairedSource(d, seed, n, knobs).entries()) {
    if (out.length >= n) break;
    const positiveSecond = rng.fork(i).bool(0.5);
    const [first, second] = (positiveSecond ? [p.negative, p.positive] : [p.positive, p.negative]) as string[];
    const [firstAnswer, answer] = positiveSecond ? [p.negativeAnswer, p.answer] : [p.answer, p.negativeAnswer];
    const context = `${first}${j.sep}${second}`;
    if (j.read(context, p.query) !== answer) continue;
    const offset = first.length + j.sep.length;
    const spans = positiveSecond ? p.decisivePositive : p.decisiveNegative;
    out.push({
      id: `${d.name}-paired-${seed}-${i}`,
      domain: d.name,
      query: p.query,
      context,
      answer,
      shortcutAnswer: firstAnswer,
      decisive: spans.map((s) => (s.kind === 'text' ? { ...s, start: s.start + offset, end: s.end + offset } : s)),
      meta: { paired: true, positiveSecond, pair: p.id, tokens: context.split(' ').length },
    });
  }
  return out;
}
