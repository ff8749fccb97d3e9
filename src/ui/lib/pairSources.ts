/**
 * Where the inspector's pairs come from: a run's selection probe (the held-out pairs the runtime
 * evaluates, regenerated exactly as it builds them), a seeded sample of the current domain's pair
 * builder (with its funnel), and imported JSON Lines. Pure data from src/tasks.
 */
import { buildBenchmarkSuite, domains, verifyPair, type Verdict } from '../../tasks/index.ts';
import type { DomainName, Funnel, Knobs, Pair } from '../../tasks/types.ts';
import { RUN_FIELDS } from '../../config/fields.ts';
import { getDomain, probePairs as runtimeProbePairs } from '../../tasks/registry.ts';
import type { RunConfig } from '../../runtime/types.ts';

/**
 * `n` pairs of `domain` from `seed` with the builder's funnel. Knobs the domain does not declare are
 * dropped (a config keeps the previous domain's knobs when the domain changes), as the runtime does.
 */
export function samplePairs(
  domain: DomainName,
  seed: number,
  n: number,
  knobs: Knobs = {},
): { pairs: Pair[]; funnel?: Funnel; error?: string } {
  try {
    const d = domains[domain];
    const own = Object.fromEntries(Object.entries(knobs).filter(([k]) => d.knobs.some((s) => s.name === k)));
    return d.pairs(seed, n, own);
  } catch (e) {
    return { pairs: [], error: (e as Error).message };
  }
}

/**
 * A run's selection probe: the held-out pairs the runtime evaluates (its own fixed seed), with the
 * ids its selection records carry. Null when the runtime has no builder for the domain.
 */
export function runProbePairs(config: RunConfig): Pair[] | null {
  try {
    return runtimeProbePairs(
      getDomain(config.domain),
      config.knobs,
      config.probePairs ?? RUN_FIELDS.probePairs.default,
    );
  } catch {
    return null;
  }
}

export function probeSourceName(config: RunConfig): string {
  return `selection probe: ${config.domain}, ${config.probePairs ?? RUN_FIELDS.probePairs.default} held-out pairs`;
}

/** The benchmark suite's fixed probe sets (probe/selection, probe/document, ...), for browsing. */
export function benchProbe(name: string, n = 100): Pair[] {
  return buildBenchmarkSuite({ only: [name], probeSize: n }).probes.find((p) => p.name === name)?.pairs ?? [];
}

export function verdictOf(pair: Pair): Verdict {
  try {
    return verifyPair(pair);
  } catch (e) {
    return { ok: false, reason: 'template-mismatch', detail: `verifier failed: ${(e as Error).message}` };
  }
}
