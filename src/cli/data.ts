/**
 * Data command line (Node only):
 *   npm run data -- pairs --domain trace|document|image --n N --seed S --out FILE [--knob name=value ...]
 *   npm run data -- bench --out DIR [--size N] [--probe-size N]
 *   npm run data -- validate FILE [--keep-valid]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  BENCH_VERSION,
  buildBenchmarkSuite,
  domains,
  DOMAIN_NAMES,
  formatFunnel,
  formatJsonlError,
  itemsToJsonl,
  parseKnobArgs,
  pairsToJsonl,
  parsePairsJsonl,
  printable,
  verifyPair,
  type DomainName,
} from '../tasks/index.ts';

const USAGE = `usage:
  npm run data -- pairs --domain trace|document|image --n N --seed S --out FILE [--knob name=value ...]
  npm run data -- bench --out DIR [--size N] [--probe-size N]
  npm run data -- validate FILE [--keep-valid]`;

class UsageError extends Error {}

function parseFlags(args: string[]): { flags: Map<string, string[]>; rest: string[] } {
  const flags = new Map<string, string[]>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) {
      rest.push(a);
      continue;
    }
    const name = a.slice(2);
    if (name === 'keep-valid') {
      flags.set(name, ['true']);
      continue;
    }
    const v = args[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`--${name} needs a value`);
    flags.set(name, [...(flags.get(name) ?? []), v]);
    i++;
  }
  return { flags, rest };
}

function one(flags: Map<string, string[]>, name: string, required: boolean): string | undefined {
  const v = flags.get(name);
  if (!v && required) throw new UsageError(`missing --${name}`);
  return v?.[v.length - 1];
}

function int(flags: Map<string, string[]>, name: string, required: boolean, dflt?: number): number {
  const s = one(flags, name, required && dflt === undefined);
  if (s === undefined) return dflt as number;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer (got ${s})`);
  return n;
}

function checkKnown(flags: Map<string, string[]>, known: string[]): void {
  for (const k of flags.keys()) if (!known.includes(k)) throw new UsageError(`unknown option --${k}`);
}

function cmdPairs(args: string[]): number {
  const { flags, rest } = parseFlags(args);
  checkKnown(flags, ['domain', 'n', 'seed', 'out', 'knob']);
  if (rest.length) throw new UsageError(`unexpected argument ${rest[0]}`);
  const name = one(flags, 'domain', true) as string;
  if (!DOMAIN_NAMES.includes(name as DomainName))
    throw new UsageError(`--domain must be one of ${DOMAIN_NAMES.join(', ')} (got ${name})`);
  const domain = domains[name as DomainName];
  const n = int(flags, 'n', true);
  const seed = int(flags, 'seed', false, 0);
  const out = one(flags, 'out', true) as string;
  const knobs = parseKnobArgs(domain.knobs, flags.get('knob') ?? []);
  const t0 = Date.now();
  const { pairs, funnel } = domain.pairs(seed, n, knobs);
  writeFileSync(out, pairsToJsonl(pairs));
  console.log(`${domain.name} pairs, seed ${seed}, ${Date.now() - t0} ms -> ${out}`);
  console.log(formatFunnel(funnel));
  if (pairs.length < n) console.log(`warning: only ${pairs.length} of ${n} pairs survived the funnel`);
  return 0;
}

function cmdBench(args: string[]): number {
  const { flags, rest } = parseFlags(args);
  checkKnown(flags, ['out', 'size', 'probe-size']);
  if (rest.length) throw new UsageError(`unexpected argument ${rest[0]}`);
  const dir = one(flags, 'out', true) as string;
  const suite = buildBenchmarkSuite({
    size: int(flags, 'size', false, 200),
    probeSize: int(flags, 'probe-size', false, 200),
  });
  mkdirSync(dir, { recursive: true });
  const file = (name: string) => `${name.replace(/\//g, '__')}.jsonl`;
  for (const s of suite.sets) writeFileSync(join(dir, file(s.name)), itemsToJsonl(s.items));
  for (const p of suite.probes) writeFileSync(join(dir, file(p.name)), pairsToJsonl(p.pairs));
  const manifest = {
    version: suite.version,
    sets: suite.sets.map((s) => ({
      name: s.name,
      domain: s.domain,
      seed: s.seed,
      knobs: s.knobs,
      count: s.items.length,
      file: file(s.name),
    })),
    probes: suite.probes.map((p) => ({
      name: p.name,
      domain: p.domain,
      seed: p.seed,
      knobs: p.knobs,
      count: p.pairs.length,
      file: file(p.name),
    })),
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  console.log(
    `benchmark suite v${BENCH_VERSION}: ${suite.sets.length} sets, ${suite.probes.length} probe sets -> ${dir}`,
  );
  for (const s of manifest.sets) console.log(`  ${s.name.padEnd(28)} ${s.count} items`);
  for (const p of manifest.probes) console.log(`  ${p.name.padEnd(28)} ${p.count} pairs`);
  return 0;
}

function cmdValidate(args: string[]): number {
  const { flags, rest } = parseFlags(args);
  checkKnown(flags, ['keep-valid']);
  if (rest.length !== 1) throw new UsageError('validate needs exactly one FILE');
  // Everything printed here may quote the file (ids, fields, JSON snippets): control characters
  // are escaped, so a crafted id cannot clear the screen or fake a line of this output.
  const say = (s: string) => console.log(printable(s));
  const warn = (s: string) => console.error(printable(s));
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(rest[0]);
  } catch (e) {
    warn(`cannot read ${rest[0]}: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  const { pairs, errors } = parsePairsJsonl(bytes, { keepValid: true });
  for (const e of errors) warn(formatJsonlError(e));
  const rejected = pairs
    .map((p) => ({ p, v: verifyPair(p) }))
    .filter((x) => !x.v.ok && x.p.meta.negativeAnswerKnown !== false);
  for (const { p, v } of rejected)
    if (!v.ok) say(`note: pair ${p.id} would be rejected by the verifier (${v.reason}: ${v.detail})`);
  if (errors.length) {
    warn(`${rest[0]}: ${errors.length} error(s); ${pairs.length} valid line(s)`);
    return 1;
  }
  say(`${rest[0]}: ${pairs.length} valid pair(s)`);
  return 0;
}

export function main(argv: string[]): number {
  const [cmd, ...args] = argv;
  try {
    if (cmd === 'pairs') return cmdPairs(args);
    if (cmd === 'bench') return cmdBench(args);
    if (cmd === 'validate') return cmdValidate(args);
    throw new UsageError(cmd ? `unknown command ${cmd}` : 'missing command');
  } catch (e) {
    if (
      e instanceof UsageError ||
      (e instanceof Error && e.message.startsWith('unknown knob')) ||
      (e instanceof Error && e.message.startsWith('knob '))
    ) {
      console.error(`error: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}

// Run only as the entry point, so tests can import `main`.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href)
  process.exitCode = main(process.argv.slice(2));
