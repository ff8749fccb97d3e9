/**
 * `npm run experiment`: base + methods x seeds on one preset, with equal example budgets, written
 * to DIR/results.json (rows { method, seed, benchmark, accuracy }), results.csv and results.md
 * (mean ± 95% CI and the paired difference from grpo), plus per-run metrics under DIR/runs/.
 * A progress bar with ETA goes to stderr; the table goes to stdout.
 *
 *   npm run experiment -- --preset ablation-trace --seeds 3 --out out/ablation
 *   npm run experiment -- --quick --out out/quick
 *   npm run experiment -- --merge out/s0,out/s1,out/s2 --out out/all   # one table from several runs
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { curvesMarkdown, parseRunFileName, type RunCurve } from '../results/curves.ts';
import path from 'node:path';
import { initBackend } from '../engine/backend.ts';
import { nodeWasmDir, parseBackendList, quietTfjs } from '../engine/node.ts';
import { validateRunConfig, type ResolvedRunConfig } from '../config/run-config.ts';
import { runExperiment } from '../runtime/experiment.ts';
import { runExperimentReplicas } from '../runtime/experiment-replicas.ts';
import { getPreset, PRESETS, PRETRAIN_SPECS, presetConfig } from '../config/presets.ts';
import { RunSession } from '../runtime/session.ts';
import { getDomain } from '../runtime/domains.ts';
import { heldOutContent, pretrainOverlap, type OverlapReport } from '../runtime/held-out.ts';
import { Pretrainer } from '../runtime/pretrain.ts';
import {
  isLossBenchmark,
  mergeResults,
  parseResultRows,
  toConsoleTable,
  toCsv,
  toMarkdown,
  type ResultRow,
} from '../results/results.ts';
import { METHODS, type Method, type RunConfig } from '../config/fields.ts';
import type { EvalRecord } from '../runtime/types.ts';
import { formatDuration, parseFlags, ProgressBar, usage, type FlagSpec } from './args.ts';

const FLAGS = {
  preset: { type: 'string', default: 'ablation-trace', help: `preset: ${Object.keys(PRESETS).join(', ')}` },
  quick: { type: 'boolean', default: false, help: 'the quick preset: a few minutes on a CPU' },
  seeds: { type: 'number', help: "number of seeds (0..N-1); default: the preset's" },
  'seed-offset': { type: 'number', default: 0, help: 'first seed' },
  methods: { type: 'string', help: 'comma-separated methods (default: all four)' },
  out: { type: 'string', default: 'out/experiment', help: 'output directory' },
  steps: { type: 'number', help: 'override RL steps' },
  set: { type: 'string', help: 'config overrides as JSON, e.g. \'{"lambda":1,"knobs":{"shortcut":0.9}}\'' },
  models: { type: 'string', default: 'public/models', help: 'where bundled base models live' },
  'no-base-model': { type: 'boolean', default: false, help: 'ignore the bundled base model and warm-start per seed' },
  backend: { type: 'string', default: 'wasm,cpu', help: 'backends to try in order' },
  replicas: {
    type: 'boolean',
    default: true,
    help: "train a method's seeds together as replicas of one batched model (same results; --no-replicas: one by one)",
  },
  tag: {
    type: 'string',
    help: 'appended to the trained methods\' names in the rows (contextrl -> contextrl-TAG; base stays base), to merge variants such as --set \'{"pairHardness":"easy"}\' into one table',
  },
  overlap: {
    type: 'boolean',
    default: false,
    help: "only count held-out content: the RL streams' and the base model's pretraining stream's contexts that are evaluation contexts",
  },
  merge: {
    type: 'string',
    help: 'comma-separated experiment directories (or results.json files): write their rows as one table to --out instead of running',
  },
  help: { type: 'boolean', default: false, help: 'show this help' },
} satisfies FlagSpec;

async function main() {
  quietTfjs();
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help) {
    console.log(usage('npm run experiment --', FLAGS));
    return;
  }
  if (flags.merge) {
    merge(
      flags.merge
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
      flags.out,
    );
    return;
  }
  const presetName = flags.quick ? 'quick' : flags.preset;
  const preset = getPreset(presetName);
  const overrides: Partial<RunConfig> = flags.set ? JSON.parse(flags.set) : {};
  if (flags.steps !== undefined) overrides.steps = flags.steps;
  const config = presetConfig(presetName, overrides);
  const v = validateRunConfig(config);
  if (!v.ok) throw new Error(`invalid config: ${v.errors.join('; ')}`);
  const methods = (flags.methods ? flags.methods.split(',') : preset.methods) as Method[];
  for (const m of methods)
    if (!(METHODS as readonly string[]).includes(m))
      throw new Error(`unknown method "${m}" in --methods (known: ${METHODS.join(', ')})`);
  const nSeeds = flags.seeds ?? preset.seeds;
  const seeds = Array.from({ length: nSeeds }, (_, i) => flags['seed-offset'] + i);

  let baseModel: ArrayBuffer | undefined;
  const basePath = preset.baseModel ? path.join(flags.models, `${preset.baseModel}.ckpt`) : undefined;
  if (basePath && existsSync(basePath) && !flags['no-base-model'] && !preset.warmStart?.always) {
    const b = readFileSync(basePath);
    baseModel = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  }
  const warmStart = preset.warmStart ?? {
    name: presetName,
    domain: config.domain,
    modelSize: config.modelSize,
    batchSize: config.batchSize,
    learningRate: config.sftLearningRate,
    warmupSteps: 20,
    steps: config.warmStartSteps,
    easyPairShare: 0.25,
    stages: [{ name: 'run distribution', knobs: config.knobs }],
    figureKnobs: config.knobs,
  };

  const st = await initBackend({ order: parseBackendList(flags.backend), wasmPaths: nodeWasmDir() });
  mkdirSync(path.join(flags.out, 'runs'), { recursive: true });
  const overlaps = await countOverlap(config, methods, seeds, baseModel);
  writeFileSync(path.join(flags.out, 'overlap.json'), JSON.stringify(overlaps, null, 2) + '\n');
  if (flags.overlap) {
    const spec = preset.baseModel && baseModel ? PRETRAIN_SPECS[preset.baseModel] : warmStart;
    const held = heldOutContent(getDomain(config.domain), config);
    // The bundled base models were pretrained with seed 0 (npm run pretrain's default); a warm start per seed.
    const pre = (baseModel ? [0] : seeds).map((seed) => ({
      seed,
      spec: spec.name,
      steps: spec.steps,
      ...pretrainOverlap(getDomain(spec.domain), spec, seed, held),
    }));
    writeFileSync(
      path.join(flags.out, 'overlap.json'),
      JSON.stringify({ rl: overlaps, pretraining: pre }, null, 2) + '\n',
    );
    process.stdout.write(overlapNote(overlaps, config.holdOutContent) + '\n');
    for (const p of pre)
      process.stdout.write(
        `pretraining ${p.spec} (seed ${p.seed}, ${p.steps} steps): ${p.items.overlapping} of ${p.items.seen} item contexts and ${p.pairs.overlapping} of ${p.pairs.seen} easy-pair contexts are evaluation contexts\n`,
      );
    return;
  }
  const t0 = Date.now();
  const bar = new ProgressBar(1);
  bar.log(
    `experiment ${presetName}: methods ${methods.join(', ')} · seeds ${seeds.join(', ')}${flags.replicas && seeds.length > 1 ? ' as replicas' : ''} · ${config.steps} RL steps · backend ${st.label} · base model: ${baseModel ? basePath : `warm start (${warmStart.steps} steps per seed)`}`,
  );
  const rows: ResultRow[] = [];
  if (flags.tag !== undefined && !/^[a-z0-9.]+(-[a-z0-9.]+)*$/.test(flags.tag))
    throw new Error(`--tag "${flags.tag}": use lower-case letters, digits, dots and single hyphens`);
  const tagged = (method: string) => (flags.tag && method !== 'base' ? `${method}-${flags.tag}` : method);
  const notes = [
    `Preset \`${presetName}\`: ${preset.description}`,
    `Command: \`npm run experiment -- ${process.argv.slice(2).join(' ')}\``,
    `Base model: ${baseModel ? `\`${basePath}\`` : `warm start, ${warmStart.steps} supervised steps per seed`}. Backend: ${st.label}.`,
    'The full config of every run is in config.json; per-run metric rows in runs/.',
    overlapNote(overlaps, config.holdOutContent),
  ];
  const write = () => {
    writeFileSync(path.join(flags.out, 'results.json'), JSON.stringify(rows, null, 2) + '\n');
    writeFileSync(path.join(flags.out, 'results.csv'), toCsv(rows));
    writeFileSync(
      path.join(flags.out, 'results.md'),
      toMarkdown(rows, {
        title: `Experiment: ${presetName}`,
        notes: [...notes, `Wall time: ${formatDuration((Date.now() - t0) / 1000)}.`],
      }),
    );
  };
  writeFileSync(
    path.join(flags.out, 'config.json'),
    JSON.stringify({ preset: presetName, methods, seeds, config }, null, 2) + '\n',
  );
  // Replicas give the same rows; on a CPU they cost about what the runs in a row cost, on a GPU they
  // cut the kernels per run (docs/RESULTS.md section 6.4). Nothing to batch with one seed.
  const run = flags.replicas && seeds.length > 1 ? runExperimentReplicas : runExperiment;
  await run(
    { preset, config, methods, seeds, baseModel, warmStart },
    {
      progress: (done, total, label) => {
        bar.setTotal(total);
        bar.update(done, label);
      },
      result: (r, ctx) => {
        rows.push(...r.map((x) => ({ ...x, method: tagged(x.method) })));
        write();
        const acc = formatRecord(ctx.record);
        bar.log(`${tagged(ctx.method)} seed ${ctx.seed}: ${acc}`);
      },
      evaluation: (method, seed, rec) =>
        bar.log(`${tagged(method)} seed ${seed} step ${rec.step}: ${formatRecord(rec)}`),
      metrics: (method, seed, m) =>
        writeFileSync(
          path.join(flags.out, 'runs', `${tagged(method)}-seed${seed}.jsonl`),
          m.map((r) => JSON.stringify(r)).join('\n') + '\n',
        ),
    },
    (spec, seed) => Pretrainer.create(spec, seed),
  );
  bar.finish(`done in ${formatDuration((Date.now() - t0) / 1000)}`);
  write();
  process.stdout.write('\n' + toConsoleTable(rows));
  process.stdout.write(`\nwrote ${path.join(flags.out, 'results.json')}, results.csv, results.md\n`);
}

interface OverlapRow extends OverlapReport {
  method: string;
  seed: number;
}

/** Held-out content per method and seed: how many contexts of the run's RL streams (unfiltered) are evaluation contexts. */
async function countOverlap(
  config: ResolvedRunConfig,
  methods: Method[],
  seeds: number[],
  baseModel: ArrayBuffer | undefined,
): Promise<OverlapRow[]> {
  const out: OverlapRow[] = [];
  for (const seed of seeds)
    for (const method of methods) {
      const s = await RunSession.create({ ...config, method, seed, warmStartSteps: 0 }, { baseModel, showGroups: 0 });
      out.push({ method, seed, ...s.trainingOverlap() });
      s.dispose();
    }
  return out;
}

function overlapNote(rows: OverlapRow[], filtered: boolean): string {
  const sum = (f: (r: OverlapRow) => number) => rows.reduce((a, r) => a + f(r), 0);
  return (
    `Held out by content: ${rows[0]?.heldOut ?? 0} distinct evaluation contexts (benchmark items, hard and easy probe pairs); ` +
    `the RL streams of these runs would show ${sum((r) => r.items.overlapping)} of ${sum((r) => r.items.seen)} item contexts and ` +
    `${sum((r) => r.pairs.overlapping)} of ${sum((r) => r.pairs.seen)} pair contexts from them (overlap.json); ` +
    (filtered ? 'holdOutContent is on, so the runs skipped them.' : 'holdOutContent is off, so the runs saw them.')
  );
}

function formatRecord(rec: EvalRecord): string {
  return Object.entries(rec.accuracies)
    .map(([k, x]) => `${k} ${isLossBenchmark(k) ? x.toFixed(3) : (100 * x).toFixed(1)}`)
    .join(' · ');
}

/** --merge: one results.json / .csv / .md from several experiments' rows. */
function merge(sources: string[], out: string): void {
  const sets = sources.map((src) => {
    const file = src.endsWith('.json') ? src : path.join(src, 'results.json');
    if (!existsSync(file)) throw new Error(`--merge: ${file} does not exist`);
    return { source: file, rows: parseResultRows(readFileSync(file, 'utf8'), file) };
  });
  const rows = mergeResults(sets);
  mkdirSync(out, { recursive: true });
  const notes = [
    `Merged from ${sets.map((s) => `\`${s.source}\``).join(', ')} (\`npm run experiment -- ${process.argv.slice(2).join(' ')}\`).`,
  ];
  writeFileSync(path.join(out, 'results.json'), JSON.stringify(rows, null, 2) + '\n');
  writeFileSync(path.join(out, 'results.csv'), toCsv(rows));
  writeFileSync(path.join(out, 'results.md'), toMarkdown(rows, { title: 'Experiment: merged results', notes }));
  const runs = readRunCurves(sources);
  if (runs.length)
    writeFileSync(
      path.join(out, 'curves.md'),
      `# Over training: merged runs\n\n${notes[0]}\n\nFrom ${runs.length} runs' metric rows (runs/*.jsonl).\n\n` +
        curvesMarkdown(runs),
    );
  process.stdout.write(toConsoleTable(rows));
  process.stdout.write(
    `\nwrote ${path.join(out, 'results.json')}, results.csv, results.md${runs.length ? ', curves.md' : ''} (${rows.length} rows from ${sets.length} files)\n`,
  );
}

/** The metric rows of every run under the sources' runs/ folders (a run that appears twice is read once). */
function readRunCurves(sources: string[]): RunCurve[] {
  const seen = new Set<string>();
  const out: RunCurve[] = [];
  for (const src of sources) {
    const dir = path.join(src.endsWith('.json') ? path.dirname(src) : src, 'runs');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      const id = parseRunFileName(f);
      if (!id || seen.has(f)) continue;
      seen.add(f);
      const rows = readFileSync(path.join(dir, f), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as RunCurve['rows'][number]);
      out.push({ ...id, rows });
    }
  }
  return out;
}

main().catch((e: unknown) => {
  console.error(`experiment: ${(e as Error).message ?? String(e)}`);
  process.exit(1);
});
