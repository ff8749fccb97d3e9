/**
 * The benchmark suite, a miniature of the paper's (docs/METHOD.md section 7): five long-horizon sets,
 * twelve visual sets (one per question type), and held-out pair sets for the selection probe.
 * Seeds are fixed per set name and version, far from the small seeds training runs use, so the
 * suite is the same on every machine; bump BENCH_VERSION whenever a generator's output changes.
 */
import type { DomainName, Knobs, Pair, RLItem } from './types.ts';
import { hashString } from './rng.ts';
import { traceDomain } from './trace/index.ts';
import { documentDomain } from './document/index.ts';
import { imageDomain } from './image/index.ts';
import { QUESTION_TYPES } from './image/questions.ts';

export const BENCH_VERSION = '1.0.0';

const DOMAINS = { trace: traceDomain, document: documentDomain, image: imageDomain };

export interface BenchSpec {
  name: string;
  domain: DomainName;
  knobs: Knobs;
  /** One line for the UI. */
  help: string;
}

export const BENCH_SETS: readonly BenchSpec[] = [
  { name: 'trace/id', domain: 'trace', knobs: {}, help: 'Traces from the training distribution (shortcut rate 0.8).' },
  {
    name: 'trace/hard',
    domain: 'trace',
    knobs: { shortcut: 0 },
    help: 'Traces where the first assignment never gives the answer away.',
  },
  {
    name: 'trace/long',
    domain: 'trace',
    knobs: { steps: 40, noise: 10, shortcut: 0 },
    help: 'Long-horizon traces: 40 statements and 10 noise lines.',
  },
  {
    name: 'document/long',
    domain: 'document',
    knobs: { facts: 12, relations: 2, filler: 8 },
    help: 'Long documents: 24 facts about 12 entities among filler.',
  },
  {
    name: 'document/needle',
    domain: 'document',
    knobs: { facts: 3, filler: 60 },
    help: 'Needle in a haystack: 3 facts among 60 filler sentences.',
  },
  ...QUESTION_TYPES.map((q) => ({
    name: `image/${q}`,
    domain: 'image' as const,
    knobs: { question: q },
    help: `Visual QA: ${q.replace(/-/g, ' ')}.`,
  })),
];

export const PROBE_SETS: readonly BenchSpec[] = [
  {
    name: 'probe/selection',
    domain: 'trace',
    knobs: {},
    help: 'Held-out hard trace pairs (lookup depth): the selection probe.',
  },
  {
    name: 'probe/trace-compare',
    domain: 'trace',
    knobs: { depth: 'compare' },
    help: 'Held-out hard trace pairs at the comparison depth.',
  },
  { name: 'probe/document', domain: 'document', knobs: {}, help: 'Held-out hard document pairs.' },
  {
    name: 'probe/image',
    domain: 'image',
    knobs: { method: 'mixed' },
    help: 'Held-out hard image pairs (edits and similarity search).',
  },
  {
    name: 'probe/easy',
    domain: 'trace',
    knobs: { hardness: 'easy' },
    help: 'Easy trace pairs: format competence, should be near 100%.',
  },
];

export interface BenchSet {
  name: string;
  domain: DomainName;
  seed: number;
  knobs: Knobs;
  items: RLItem[];
}

export interface ProbeSet {
  name: string;
  domain: DomainName;
  seed: number;
  knobs: Knobs;
  pairs: Pair[];
}

export interface BenchmarkSuite {
  version: string;
  sets: BenchSet[];
  /** The held-out hard pair set for the selection probe (= probes' `probe/selection`). */
  probe: Pair[];
  probes: ProbeSet[];
}

export interface BenchOptions {
  /** Items per set (default 200). */
  size?: number;
  /** Pairs per probe set (default 200). */
  probeSize?: number;
  /** Only these set names (default all). */
  only?: string[];
}

/** The fixed seed of a set: depends on its name and the suite version only. */
export function benchSeed(name: string): number {
  return (hashString(`contextrl-bench/${BENCH_VERSION}/${name}`) | 0x40000000) >>> 0;
}

export function buildBenchmarkSuite(opts: BenchOptions = {}): BenchmarkSuite {
  const size = opts.size ?? 200;
  const probeSize = opts.probeSize ?? 200;
  const want = (name: string) => !opts.only || opts.only.includes(name);
  const sets = BENCH_SETS.filter((s) => want(s.name)).map((s) => {
    const seed = benchSeed(s.name);
    const items = DOMAINS[s.domain]
      .items(seed, size, s.knobs)
      .map((it) => ({ ...it, id: `${s.name}/${it.id}`, meta: { ...it.meta, benchmark: s.name } }));
    return { name: s.name, domain: s.domain, seed, knobs: s.knobs, items };
  });
  const probes = PROBE_SETS.filter((s) => want(s.name) || s.name === 'probe/selection').map((s) => {
    const seed = benchSeed(s.name);
    const pairs = DOMAINS[s.domain]
      .pairs(seed, probeSize, s.knobs)
      .pairs.map((p) => ({ ...p, id: `${s.name}/${p.id}`, meta: { ...p.meta, benchmark: s.name } }));
    return { name: s.name, domain: s.domain, seed, knobs: s.knobs, pairs };
  });
  const probe = probes.find((p) => p.name === 'probe/selection')?.pairs ?? [];
  return { version: BENCH_VERSION, sets, probe, probes: probes.filter((p) => want(p.name)) };
}
