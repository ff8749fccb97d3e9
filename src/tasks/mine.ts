/**
 * The pair-mining loop every domain's builder shares: candidate c draws its own stream
 * `rng.fork(c)`, proposes a pair or names the stage and reason that rejected it, and a proposed
 * pair must still pass the verifier (the funnel's last stage). Stops at n pairs or after
 * `maxCandidates` candidates, whichever comes first.
 */
import type { Funnel, Pair, RejectionReason } from './types.ts';
import type { Rng } from './rng.ts';
import { FunnelCounter } from './funnel.ts';
import { verifyPair, type VerifyOptions } from './verify.ts';

/** A candidate's outcome before the verifier: a pair, or the stage (0-based) and reason that rejected it. */
export type Proposal = { pair: Pair } | { stage: number; reason: RejectionReason };

export const reject = (stage: number, reason: RejectionReason): Proposal => ({ stage, reason });

export interface MineOptions {
  /** Candidate c uses rng.fork(c). */
  rng: Rng;
  n: number;
  /** The funnel's stage names; the last one is the verifier. */
  stages: readonly string[];
  maxCandidates: number;
  propose(r: Rng, c: number): Proposal;
  verify?: Partial<VerifyOptions>;
}

export function minePairs(o: MineOptions): { pairs: Pair[]; funnel: Funnel } {
  const counter = new FunnelCounter(o.stages);
  const pairs: Pair[] = [];
  for (let c = 0; pairs.length < o.n && c < o.maxCandidates; c++) {
    const p = o.propose(o.rng.fork(c), c);
    if (!('pair' in p)) {
      counter.reject(p.stage, p.reason);
      continue;
    }
    const v = verifyPair(p.pair, o.verify);
    if (!v.ok) {
      counter.reject(o.stages.length - 1, v.reason);
      continue;
    }
    counter.keep();
    pairs.push(p.pair);
  }
  return { pairs, funnel: counter.funnel() };
}

/** The candidate limit of the text builders: 50 per wanted pair, plus 100. */
export const textCandidates = (n: number): number => 50 * n + 100;
