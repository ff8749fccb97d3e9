/**
 * `npm run bench`: median step times of the nano and micro presets on every backend we have
 * (Node: Dawn WebGPU, wasm, cpu; headless Chromium: WebGPU on GLES / SwiftShader, wasm), with the
 * PyTorch reference (bench/torch_ref.py) on the same machine and workloads, so every row carries
 * its ratio to PyTorch. Before timing, PyTorch recomputes the loss and gradient norm of one of our
 * steps per phase from our weights and batch; a mismatch stops the run.
 *
 *   npm run bench -- --quick                      # a few minutes on 2 cores (batch 8, fewer rows)
 *   npm run bench -- --json out/bench.json        # the full matrix, batch 32 x 128 tokens
 *   npm run bench -- --presets micro --node wasm --chromium none --phases sft,grpo
 *   npm run bench -- --record-torch-reference     # rewrite bench/torch-reference.json (the unit tests' PyTorch values)
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PresetName } from '../engine/model-config.ts';
import { modelConfig } from '../engine/model-config.ts';
import { MODEL_SIZES } from '../config/fields.ts';
import type { Phase } from '../perf/workload.ts';
import { benchTokenizer, PHASES, workloadShape } from '../perf/workload.ts';
import { parseFlags, usage, type FlagSpec } from './args.ts';
import type { ChromiumGpu, ChromiumJob } from './bench-chromium.ts';
import type { ChildRequest, ChildResult, NodeBackend } from './bench-node.ts';
import { NODE_BACKENDS, runChild } from './bench-node.ts';
import { forwardStderr, quietTfjs } from '../engine/node.ts';
import type { TorchReference, TorchResult } from './bench-torch.ts';
import {
  checkInputsDigest,
  GRAD_TOLERANCE,
  kvCheckOk,
  LOSS_TOLERANCE,
  REFERENCE_WORKLOAD,
  runTorch,
  TORCH_REFERENCE_FILE,
} from './bench-torch.ts';
import type { BenchRow } from './bench-report.ts';
import { addRatios, formatTable, headline } from './bench-report.ts';

const FLAGS = {
  quick: {
    type: 'boolean',
    default: false,
    help: 'batch 8, 8 new tokens, 2 reps (1 on cpu and Node webgpu), nano only on cpu and Node webgpu, no SwiftShader',
  },
  json: { type: 'string', help: 'write {meta, checks, rows} here' },
  presets: { type: 'string', default: 'nano,micro', help: 'model presets' },
  phases: { type: 'string', default: PHASES.join(','), help: 'phases to time' },
  node: {
    type: 'string',
    help: `Node backends (${NODE_BACKENDS.join(',')}) or none; default all (quick: no webgpu-vulkan)`,
  },
  chromium: {
    type: 'string',
    help: 'Chromium backends (webgpu-gles,webgpu-swiftshader,wasm) or none; default all (quick: no SwiftShader)',
  },
  batch: { type: 'number', help: 'rows per batch (default 32; quick 8); every row is 128 tokens' },
  'max-new': { type: 'number', help: 'GRPO completion tokens (default 16; quick 8); prompts fill the rest of 128' },
  warmup: { type: 'number', default: 1, help: 'untimed steps per phase (shader compilation, caches)' },
  reps: { type: 'number', help: 'timed steps per phase (default 3; quick 2)' },
  torch: { type: 'boolean', default: true, help: 'run the PyTorch reference (--no-torch to skip)' },
  python: { type: 'string', default: '/usr/bin/python3', help: 'the python with torch' },
  'torch-threads': { type: 'number', help: "torch.set_num_threads (default: torch's own choice)" },
  'torch-device': { type: 'string', default: 'auto', help: 'cpu, cuda or auto' },
  check: {
    type: 'boolean',
    default: true,
    help: 'loss-equality check against PyTorch before timing (--no-check to skip)',
  },
  replicas: {
    type: 'string',
    help: 'replica counts to time on Node (R runs as one batched model; 1: plain runs); default 1 (quick: 1,8)',
  },
  profile: {
    type: 'boolean',
    default: false,
    help: 'print the slowest kernels per phase (Node backends; one extra step each)',
  },
  'fallback-presets': {
    type: 'string',
    default: 'nano',
    help: 'presets to run on a fallback WebGPU adapter (SwiftShader); all: every preset',
  },
  'wasm-dir': { type: 'string', help: 'directory of the tfjs .wasm files (default: node_modules)' },
  'record-torch-reference': {
    type: 'boolean',
    default: false,
    help: `only run the loss-equality check (nano, batch 4, Node wasm) and PyTorch's sampler check, and write ${TORCH_REFERENCE_FILE} for the unit tests`,
  },
  child: { type: 'string', help: '(internal) run one Node backend: a JSON ChildRequest' },
  'child-out': { type: 'string', help: '(internal) where the child writes its result' },
  help: { type: 'boolean', default: false, help: 'show this help' },
} satisfies FlagSpec;

const log = (m: string) => process.stderr.write(`${m}\n`);
const list = (s: string | undefined) =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

function load(): string {
  return os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
}

/** Runs one Node backend in a fresh process (same runtime and loader: works under tsx and in the bundle). */
function spawnChild(req: ChildRequest): Promise<ChildResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'crl-bench-child-'));
  const outFile = path.join(dir, 'result.json');
  return new Promise((resolve) => {
    const p = spawn(
      process.execPath,
      [...process.execArgv, process.argv[1], '--child', JSON.stringify(req), '--child-out', outFile],
      { stdio: ['ignore', 'inherit', 'pipe'] },
    );
    // Dawn's native warnings would otherwise reach the terminal; everything else passes.
    if (p.stderr) forwardStderr(p.stderr);
    p.on('close', (code, signal) => {
      let res: ChildResult;
      try {
        res = JSON.parse(readFileSync(outFile, 'utf8')) as ChildResult;
      } catch {
        res = {
          backend: req.backend,
          label: '',
          results: [],
          checks: [],
          profiles: [],
          error: `process ended with ${signal ?? code} before writing a result`,
        };
      }
      rmSync(dir, { recursive: true, force: true });
      resolve(res);
    });
  });
}

function childRows(r: ChildResult): BenchRow[] {
  return r.results.flatMap(({ preset, timings }) =>
    timings.map((t) => ({
      where: 'node' as const,
      backend: r.backend,
      adapter: r.adapter,
      preset,
      phase: t.phase,
      replicas: t.replicas,
      ms_median: t.ms_median,
      cpu_ms_median: t.cpu_ms_median,
      kernels: t.kernels,
      ...('ratio_to_sequential' in t
        ? {
            sequential_ms_median: t.sequential_ms_median,
            ratio_to_sequential: t.ratio_to_sequential,
            cpu_ratio_to_sequential: t.cpu_ratio_to_sequential,
          }
        : {}),
      tokens_per_s: t.tokens_per_s,
      peak_bytes: t.peak_bytes,
      warmup_ms: t.warmup_ms,
      ms: t.ms,
      tokens: t.tokens,
    })),
  );
}

function torchRows(t: TorchResult): BenchRow[] {
  const backend = t.device.startsWith('cuda') ? 'pytorch-cuda' : 'pytorch-cpu';
  return t.timings.flatMap((tm) =>
    Object.entries(tm.ms_median).map(([phase, med]) => ({
      where: 'python' as const,
      backend,
      adapter: t.device_name ?? `${t.threads} thread${t.threads === 1 ? '' : 's'}`,
      preset: tm.preset,
      phase: phase as Phase,
      replicas: 1,
      ms_median: med,
      tokens_per_s: NaN,
      ms: tm.ms[phase],
      tokens: 0,
    })),
  );
}

async function main(): Promise<void> {
  quietTfjs();
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help) {
    console.log(usage('npm run bench --', FLAGS));
    return;
  }
  if (flags.child) {
    const req = JSON.parse(flags.child) as ChildRequest;
    const res = await runChild(req, log);
    writeFileSync(flags['child-out'], JSON.stringify(res));
    process.exit(0); // Dawn keeps handles open
  }

  if (flags['record-torch-reference']) {
    await recordTorchReference(flags.python, flags['wasm-dir']);
    return;
  }

  const quick = flags.quick;
  const presets = list(flags.presets) as PresetName[];
  for (const p of presets)
    if (!(MODEL_SIZES as readonly string[]).includes(p))
      throw new Error(`--presets: unknown preset "${p}" (known: ${MODEL_SIZES.join(', ')})`);
  const phases = list(flags.phases) as Phase[];
  for (const p of phases)
    if (!PHASES.includes(p)) throw new Error(`--phases: unknown phase "${p}" (expected ${PHASES.join(', ')})`);
  const batch = flags.batch ?? (quick ? 8 : 32);
  const reps = flags.reps ?? (quick ? 2 : 3);
  const maxCompletionLength = flags['max-new'] ?? (quick ? 8 : 16);
  const fallbackPresets =
    flags['fallback-presets'] === 'all' ? undefined : (list(flags['fallback-presets']) as PresetName[]);
  const warmup = flags.warmup;
  const replicas = list(flags.replicas ?? (quick ? '1,8' : '1')).map(Number);
  for (const R of replicas)
    if (!Number.isInteger(R) || R < 1) throw new Error(`--replicas: "${R}" is not a positive integer`);
  const nodeBackends = (
    flags.node === 'none'
      ? []
      : flags.node
        ? list(flags.node)
        : NODE_BACKENDS.filter((b) => !(quick && b === 'webgpu-vulkan'))
  ) as NodeBackend[];
  for (const b of nodeBackends)
    if (!NODE_BACKENDS.includes(b))
      throw new Error(`--node: unknown backend "${b}" (expected ${NODE_BACKENDS.join(', ')})`);
  const chromiumBackends =
    flags.chromium === 'none'
      ? []
      : flags.chromium
        ? list(flags.chromium)
        : ['webgpu-gles', 'wasm', ...(quick ? [] : ['webgpu-swiftshader'])];
  for (const b of chromiumBackends)
    if (!['webgpu-gles', 'webgpu-swiftshader', 'wasm'].includes(b))
      throw new Error(`--chromium: unknown backend "${b}"`);
  const skipped: string[] = [];
  // Quick mode: cpu (~4x slower than wasm) and Node's software WebGPU run nano only, one rep.
  const slowInQuick = (b: string) => quick && (b === 'cpu' || b.startsWith('webgpu'));
  const presetsFor = (b: string) =>
    slowInQuick(b)
      ? presets.filter((p) => {
          const keep = p === 'nano';
          if (!keep) skipped.push(`node ${b} ${p} (quick)`);
          return keep;
        })
      : presets;
  const repsFor = (b: string) => (slowInQuick(b) && flags.reps === undefined ? 1 : reps);
  if (quick && !flags.node) skipped.push('node webgpu-vulkan (quick; SwiftShader here)');
  if (quick && !flags.chromium) skipped.push('chromium webgpu-swiftshader (quick)');

  const meta = {
    command:
      `${process.argv[1]?.endsWith('.mjs') ? 'node bench.mjs' : 'npm run bench --'} ${process.argv.slice(2).join(' ')}`.trim(),
    date: new Date().toISOString(),
    host: os.hostname(),
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model,
    node: process.version,
    batch,
    replicas,
    tokens_per_row: 128,
    max_new_tokens: maxCompletionLength,
    warmup,
    reps,
    load_start: load(),
    load_end: '',
    skipped,
    segments: [] as { what: string; load_start: string; load_end: string; wall_s: number }[],
    torch: undefined as undefined | Omit<TorchResult, 'checks' | 'timings'>,
  };
  log(
    `bench: batch ${batch} x 128 tokens (GRPO: ${maxCompletionLength} new), ${warmup} warm-up + ${reps} reps, presets ${presets.join(',')}; load average ${meta.load_start} on ${meta.cpus} cpus`,
  );
  const rows: BenchRow[] = [];
  const checkDir = mkdtempSync(path.join(os.tmpdir(), 'crl-bench-check-'));
  let checks: TorchResult['checks'] = [];

  // 1. Loss equality on small batches (4 rows), before any timing.
  if (flags.torch && flags.check) {
    const checkBackend: NodeBackend = nodeBackends.includes('wasm') ? 'wasm' : 'cpu';
    log(`check: one step per phase on node ${checkBackend}, batch 4, then the same in PyTorch (float64)`);
    const c = await spawnChild({
      backend: checkBackend,
      presets,
      batch: 4,
      warmup: 1,
      reps: 0,
      phases: ['sft', 'ca', 'grpo_update'],
      checkDir,
      wasmDir: flags['wasm-dir'],
    });
    if (c.error) throw new Error(`check run failed on ${checkBackend}: ${c.error}`);
    const t = await runTorch(
      flags.python,
      { device: flags['torch-device'] as 'auto', threads: flags['torch-threads'], checks: c.checks, timings: [] },
      log,
    );
    checks = t.checks;
    const bad = checks.filter((k) => !(k.rel_loss <= LOSS_TOLERANCE && k.rel_grad_norm <= GRAD_TOLERANCE));
    for (const k of checks) {
      log(
        `check ${k.preset} ${k.phase}: loss ours ${k.ours_loss.toPrecision(8)} torch ${k.torch_loss.toPrecision(8)} (rel ${k.rel_loss.toExponential(1)}), ` +
          `grad norm ours ${k.ours_grad_norm.toPrecision(6)} torch ${k.torch_grad_norm.toPrecision(6)} (rel ${k.rel_grad_norm.toExponential(1)})`,
      );
    }
    if (bad.length > 0 || checks.length === 0) {
      log(
        `CHECK FAILED: PyTorch and ours disagree (loss tolerance ${LOSS_TOLERANCE}, gradient norm ${GRAD_TOLERANCE}) on ${bad.map((k) => `${k.preset} ${k.phase}`).join(', ') || 'no checks ran'}; not timing.`,
      );
      process.exit(1);
    }
  }
  rmSync(checkDir, { recursive: true, force: true });

  // 2. Node backends, one process each, and PyTorch right after the first one (wasm: the headline
  // ratio), so that the two sides of that ratio see the same load on a shared machine.
  const segments: { what: string; load_start: string; load_end: string; wall_s: number }[] = [];
  const segment = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    const s = { what, load_start: load(), load_end: '', wall_s: 0 };
    const t0 = Date.now();
    try {
      return await f();
    } finally {
      s.load_end = load();
      s.wall_s = Math.round((Date.now() - t0) / 1000);
      segments.push(s);
      log(`${what}: ${s.wall_s} s, load average ${s.load_start} -> ${s.load_end}`);
    }
  };
  const runPyTorch = async () => {
    const tok = benchTokenizer();
    const torchPhases = ['sft', 'ca', 'grpo'].filter((p) => phases.some((q) => q.startsWith(p)));
    const torch = await segment('pytorch', () =>
      runTorch(
        flags.python,
        {
          device: flags['torch-device'] as 'auto',
          threads: flags['torch-threads'],
          checks: [],
          timings: presets.map((preset) => ({
            preset,
            config: modelConfig(preset, tok.size),
            workload: workloadShape(preset, { batch, maxCompletionLength }),
            warmup,
            reps,
            phases: torchPhases,
          })),
        },
        log,
      ),
    );
    meta.torch = {
      torch: torch.torch,
      device: torch.device,
      device_name: torch.device_name,
      threads: torch.threads,
      kv_cache: torch.kv_cache,
    };
    rows.push(...torchRows(torch).filter((r) => phases.includes(r.phase)));
  };
  let torchDone = !flags.torch;
  const ordered = [...nodeBackends].sort((a, b) => Number(b === 'wasm') - Number(a === 'wasm'));
  for (const backend of ordered) {
    const ps = presetsFor(backend);
    if (ps.length === 0) continue;
    const r = await segment(`node ${backend}`, () =>
      spawnChild({
        backend,
        presets: ps,
        batch,
        maxCompletionLength,
        warmup,
        reps: repsFor(backend),
        phases,
        profile: flags.profile,
        wasmDir: flags['wasm-dir'],
        fallbackPresets,
        replicas,
      }),
    );
    skipped.push(...(r.skipped ?? []));
    if (r.error) log(`node ${backend}: ${r.error.split('\n')[0]}`);
    for (const p of r.profiles)
      log(
        `profile node ${backend} ${p.preset} ${p.phase} (${p.kernels.reduce((a, k) => a + k.count, 0)} kernels): ${p.kernels
          .slice(0, 15)
          .map((k) => `${k.name} ${k.ms.toFixed(0)}ms/${k.count}`)
          .join(', ')}`,
      );
    rows.push(...childRows(r));
    for (const f of r.failed ?? []) {
      log(`node ${backend} ${f.preset} R=${f.replicas}: ${f.error}`);
      rows.push({
        where: 'node',
        backend,
        preset: f.preset,
        phase: phases[0],
        replicas: f.replicas,
        ms_median: NaN,
        tokens_per_s: NaN,
        ms: [],
        tokens: 0,
        error: f.error,
      });
    }
    if (r.error && r.results.length === 0)
      rows.push({
        where: 'node',
        backend,
        preset: ps[0],
        phase: 'sft',
        ms_median: NaN,
        tokens_per_s: NaN,
        ms: [],
        tokens: 0,
        error: r.error.split('\n')[0],
      });
    if (!torchDone) {
      torchDone = true;
      await runPyTorch();
    }
  }
  // 3. PyTorch, when no Node backend ran.
  if (!torchDone) await runPyTorch();

  // 4. Chromium: one launch per GPU flavour, one page per backend.
  if (chromiumBackends.length > 0) {
    const { buildBenchPage, findChromium, runInChromium, serve } = await import('./bench-chromium.ts');
    if (!findChromium()) {
      log('chromium: no Chromium found (apt-get install -y chromium, or CHROMIUM_PATH); skipping the Chromium rows');
      skipped.push('chromium (not installed)');
    } else {
      const outDir = path.resolve('out/bench-web');
      mkdirSync(outDir, { recursive: true });
      log('chromium: building bench.html');
      await buildBenchPage(path.resolve('.'), outDir);
      const server = await serve(outDir);
      try {
        const byGpu = new Map<ChromiumGpu, ChromiumJob[]>();
        for (const b of chromiumBackends) {
          const gpu: ChromiumGpu = b === 'webgpu-swiftshader' ? 'swiftshader' : 'gles';
          const request = {
            backend: b === 'wasm' ? ('wasm' as const) : ('webgpu' as const),
            featureLevel: b === 'webgpu-gles' ? ('compatibility' as const) : ('core' as const),
            cpuKernels: process.env.CONTEXTRL_CPU_KERNELS === '0' ? false : ('auto' as const),
            fusedAdam: process.env.CONTEXTRL_FUSED_ADAM !== '0',
            wasmThreads: process.env.CONTEXTRL_WASM_THREADS !== '0',
            presets,
            batch,
            maxCompletionLength,
            warmup,
            reps,
            phases,
            fallbackPresets,
          };
          byGpu.set(gpu, [...(byGpu.get(gpu) ?? []), { gpu, request, rowBackend: b }]);
        }
        for (const [gpu, jobs] of byGpu) {
          for (const { job, result } of await segment(`chromium ${gpu}`, () =>
            runInChromium(server.url, gpu, jobs, log),
          )) {
            if (result.error) log(`chromium ${job.rowBackend}: ${result.error.split('\n')[0]}`);
            skipped.push(...(result.skipped ?? []));
            rows.push(
              ...result.results.flatMap(({ preset, timings }) =>
                timings.map((t) => ({
                  where: 'chromium' as const,
                  backend: job.rowBackend,
                  adapter: result.adapter,
                  preset,
                  phase: t.phase,
                  replicas: t.replicas ?? 1,
                  ms_median: t.ms_median,
                  kernels: t.kernels,
                  tokens_per_s: t.tokens_per_s,
                  peak_bytes: t.peak_bytes,
                  warmup_ms: t.warmup_ms,
                  ms: t.ms,
                  tokens: t.tokens,
                })),
              ),
            );
            if (result.error && result.results.length === 0)
              rows.push({
                where: 'chromium',
                backend: job.rowBackend,
                preset: presets[0],
                phase: 'sft',
                ms_median: NaN,
                tokens_per_s: NaN,
                ms: [],
                tokens: 0,
                error: result.error.split('\n')[0],
              });
          }
        }
      } finally {
        await server.close();
      }
    }
  }

  meta.load_end = load();
  meta.segments = segments;
  addRatios(rows);
  console.log(formatTable(rows, meta));
  for (const line of headline(rows)) console.log(line);
  if (flags.json) {
    mkdirSync(path.dirname(path.resolve(flags.json)), { recursive: true });
    writeFileSync(flags.json, JSON.stringify({ meta, checks, rows }, null, 2) + '\n');
    log(`wrote ${flags.json}`);
  }
}

/**
 * Writes bench/torch-reference.json: one step per trained phase on nano (Node wasm, 4 rows, the
 * unit test's workload), recomputed by PyTorch in float64, and PyTorch's cached-sampler check.
 * Refuses to write when PyTorch and we disagree, so the record always holds values we matched.
 */
async function recordTorchReference(python: string, wasmDir: string | undefined): Promise<void> {
  const w = REFERENCE_WORKLOAD;
  const checkDir = mkdtempSync(path.join(os.tmpdir(), 'crl-bench-ref-'));
  try {
    log(`record: one step per phase (${w.phases.join(', ')}) on node ${w.backend}, ${w.preset}, batch ${w.batch}`);
    const c = await spawnChild({
      backend: w.backend as NodeBackend,
      presets: [w.preset],
      batch: w.batch,
      warmup: 1,
      reps: 0,
      phases: w.phases,
      checkDir,
      wasmDir,
    });
    if (c.error) throw new Error(`check run failed on ${w.backend}: ${c.error}`);
    const tok = benchTokenizer();
    const kvPresets: PresetName[] = ['nano', 'micro'];
    const t = await runTorch(
      python,
      {
        device: 'cpu',
        checks: c.checks,
        kv_checks: kvPresets.map((preset) => ({ preset, config: modelConfig(preset, tok.size) })),
        timings: [],
      },
      log,
    );
    const bad = t.checks.filter((k) => !(k.rel_loss <= LOSS_TOLERANCE && k.rel_grad_norm <= GRAD_TOLERANCE));
    const badKv = (t.kv_checks ?? []).filter((k) => !kvCheckOk(k));
    for (const k of t.checks)
      log(
        `check ${k.preset} ${k.phase}: loss ours ${k.ours_loss.toPrecision(8)} torch ${k.torch_loss.toPrecision(8)} (rel ${k.rel_loss.toExponential(1)}), ` +
          `grad norm ours ${k.ours_grad_norm.toPrecision(6)} torch ${k.torch_grad_norm.toPrecision(6)} (rel ${k.rel_grad_norm.toExponential(1)})`,
      );
    if (t.checks.length !== w.phases.length || bad.length > 0 || badKv.length > 0 || t.kv_checks?.length !== 2) {
      log(
        `CHECK FAILED: not writing ${TORCH_REFERENCE_FILE} (${[...bad.map((k) => `${k.preset} ${k.phase}`), ...badKv.map((k) => `kv ${k.preset}`)].join(', ') || 'checks missing'})`,
      );
      process.exit(1);
    }
    const ref: TorchReference = {
      about:
        "PyTorch's loss and gradient norm (bench/torch_ref.py, float64) for one step per trained phase, from the weights and batch of our step; test/perf/loss-equality.test.ts compares ours with them. kv_checks: torch_ref.py's cached sampler against its full-forward one.",
      command: 'npm run bench -- --record-torch-reference',
      torch: t.torch,
      date: new Date().toISOString().slice(0, 10),
      workload: w,
      tolerance: { loss: LOSS_TOLERANCE, grad_norm: GRAD_TOLERANCE },
      checks: t.checks.map((k, i) => ({ ...k, inputs_sha256: checkInputsDigest(c.checks[i]) })),
      kv_checks: t.kv_checks ?? [],
    };
    writeFileSync(TORCH_REFERENCE_FILE, JSON.stringify(ref, null, 2) + '\n');
    log(`wrote ${TORCH_REFERENCE_FILE}`);
  } finally {
    rmSync(checkDir, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  console.error(e.stack ?? String(e));
  process.exit(1);
});
