/**
 * The time budgets of work that can reach the page, measured in Node (prints numbers; no
 * assertions): the word diff of two contexts, the held-out probe and evaluation sets at the table's
 * maxima (src/config/fields.ts) per domain, and parsing a big pairs file. docs/RELIABILITY.md
 * records a run of it.
 *
 *   npx tsx scripts/bench-budgets.ts
 */
import { diffRanges } from '../src/ui/lib/textDiff.ts';
import { evalSets, getDomain, probePairs } from '../src/tasks/registry.ts';
import { RUN_FIELDS } from '../src/config/fields.ts';
import { domains, pairsToJsonl, parsePairsJsonl } from '../src/tasks/index.ts';
import { Rng } from '../src/tasks/rng.ts';

const ms = (f: () => unknown) => {
  const t = performance.now();
  f();
  return performance.now() - t;
};

const rng = new Rng(1);
const words = (n: number) => Array.from({ length: n }, () => `w${Math.floor(rng.next() * 50)}`).join(' ');
console.log('word diff of two unrelated contexts (the worst case):');
for (const n of [2000, 8000, 30000]) {
  const a = words(n);
  const b = words(n);
  let coarse: boolean | undefined;
  const t = ms(() => (coarse = diffRanges(a, b).coarse));
  console.log(`  ${(a.length / 1000).toFixed(0)} kB each: ${t.toFixed(0)} ms${coarse ? ' (coarse: one block)' : ''}`);
}

probePairs(getDomain('trace'), {}, 50); // warm up the JIT
console.log(
  `probe pairs (${RUN_FIELDS.probePairs.max}) and evaluation items (${RUN_FIELDS.evalItems.max} per set), default knobs:`,
);
for (const name of ['trace', 'document', 'image'] as const) {
  const d = getDomain(name);
  const tp = ms(() => probePairs(d, {}, RUN_FIELDS.probePairs.max));
  const te = ms(() => evalSets(d, {}, RUN_FIELDS.evalItems.max));
  console.log(`  ${name}: probe ${tp.toFixed(0)} ms, evaluation sets ${te.toFixed(0)} ms`);
}

const { pairs } = domains.trace.pairs(1, 200, { steps: 40, noise: 20 });
const lines = pairsToJsonl(pairs).trim().split('\n');
const file = Array.from({ length: 50_000 }, (_, i) =>
  lines[i % lines.length].replace(/"id":"[^"]*"/, `"id":"p${i}"`),
).join('\n');
const bytes = new TextEncoder().encode(file);
const t = ms(() => parsePairsJsonl(bytes, { keepValid: true }));
console.log(
  `parse a ${(bytes.length / 1e6).toFixed(0)} MB pairs file (50,000 lines): ${t.toFixed(0)} ms (in the page: in a worker)`,
);
