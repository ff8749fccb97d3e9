/**
 * Where the inspector's pairs come from: the selection probe (the held-out pairs a run evaluates,
 * regenerated from the benchmark suite's fixed seed), a seeded sample of the current domain's pair
 * builder (with its funnel), and imported JSON Lines. Pure data from src/tasks.
 */
import { buildBenchmarkSuite, domains, parsePairsJsonl, verifyPair, type Verdict } from '../../tasks/index.ts';
import type { DomainName, Funnel, Knobs, Pair } from '../../tasks/types.ts';
import type { ImportError } from '../../store/inspector.ts';

export const PROBE_SOURCE = 'selection probe (held-out pairs)';

/** `n` pairs of `domain` from `seed` with the builder's funnel. */
export function samplePairs(domain: DomainName, seed: number, n: number, knobs: Knobs = {}): { pairs: Pair[]; funnel: Funnel } {
  return domains[domain].pairs(seed, n, knobs);
}

/** The selection probe's pairs, with the ids the runtime reports in its selection records. */
export function probePairs(n = 200): Pair[] {
  return buildBenchmarkSuite({ only: ['probe/selection'], probeSize: n }).probe;
}

export function verdictOf(pair: Pair): Verdict {
  try { return verifyPair(pair); } catch (e) { return { ok: false, reason: 'template-mismatch', detail: `verifier failed: ${(e as Error).message}` }; }
}

/** Imports pairs from JSON Lines bytes, keeping the valid lines and listing every error by line. */
export function importPairs(bytes: Uint8Array): { pairs: Pair[]; errors: ImportError[] } {
  return parsePairsJsonl(bytes, { keepValid: true });
}
