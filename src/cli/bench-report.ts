/** Rows, ratios to PyTorch and the printed table of `npm run bench`. */
import type { Phase } from '../perf/workload.ts';

export interface BenchRow {
  /** "python" for the PyTorch reference rows. */
  where: 'node' | 'chromium' | 'python';
  /** webgpu-gles | webgpu-vulkan | webgpu-swiftshader | wasm | cpu | pytorch-cpu | pytorch-cuda */
  backend: string;
  /** The WebGPU adapter (SwiftShader, llvmpipe, a GPU), or PyTorch's device / thread count. */
  adapter?: string;
  preset: string;
  phase: Phase;
  /** Models trained at once as replicas of one batched model (1: a plain run); ms covers all of them. */
  replicas?: number;
  ms_median: number;
  /** Kernels one step dispatched (all replicas together; workload.ts profiled). */
  kernels?: number;
  /** Process CPU time per step (Node rows): steadier than ms on a shared machine. */
  cpu_ms_median?: number;
  tokens_per_s: number;
  peak_bytes?: number;
  /** The first, untimed step (WebGPU shader compilation). */
  warmup_ms?: number;
  ms: number[];
  tokens: number;
  /** ms_median / PyTorch's ms_median for the same preset and phase (same run, same machine); plain runs only. */
  ratio_to_pytorch?: number;
  /**
   * Replica rows: one program's time against that many plain runs in a row (replica-workload.ts
   * measures both interleaved, per rep; else ms_median / (replicas x the plain row's ms_median)).
   */
  ratio_to_sequential?: number;
  /** The plain runs in a row that ratio_to_sequential compares with (interleaved measurement). */
  sequential_ms_median?: number;
  /** The same ratio in process CPU time. */
  cpu_ratio_to_sequential?: number;
  error?: string;
}

const plain = (r: BenchRow) => (r.replicas ?? 1) === 1;

export function addRatios(rows: BenchRow[]): void {
  const ref = new Map<string, BenchRow>();
  const one = new Map<string, BenchRow>();
  const key = (r: BenchRow) => `${r.where}/${r.backend}/${r.preset}/${r.phase}`;
  for (const r of rows) if (plain(r) && r.where !== 'python') one.set(key(r), r);
  for (const r of rows) {
    const o = one.get(key(r));
    // Measured interleaved by replica-workload.ts where it ran; else against the plain row.
    if (plain(r) || !o || r.ratio_to_sequential !== undefined) continue;
    r.ratio_to_sequential = r.ms_median / ((r.replicas ?? 1) * o.ms_median);
    if (Number.isFinite(r.cpu_ms_median) && Number.isFinite(o.cpu_ms_median))
      r.cpu_ratio_to_sequential = (r.cpu_ms_median as number) / ((r.replicas ?? 1) * (o.cpu_ms_median as number));
  }
  for (const r of rows) if (r.where === 'python') ref.set(`${r.preset}/${r.phase}`, r);
  for (const r of rows) {
    if (!plain(r)) continue;
    const t = ref.get(`${r.preset}/${r.phase}`);
    if (!t) continue;
    r.ratio_to_pytorch = r.ms_median / t.ms_median;
    // PyTorch's tokens/s uses our token counts for the same workload.
    if (r.where === 'python') continue;
    t.tokens = r.tokens;
    t.tokens_per_s = (r.tokens * 1000) / t.ms_median;
  }
}

const PHASE_ORDER: Phase[] = ['sft', 'grpo_sample', 'grpo_update', 'grpo', 'ca'];
const WHERE_ORDER = ['python', 'node', 'chromium'];

function fmt(x: number | undefined, digits = 0): string {
  return x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits);
}

export function formatTable(
  rows: BenchRow[],
  meta: {
    command: string;
    load_start: string;
    load_end: string;
    cpus: number;
    batch: number;
    max_new_tokens: number;
    skipped: string[];
  },
): string {
  const sorted = [...rows].sort(
    (a, b) =>
      a.preset.localeCompare(b.preset) ||
      PHASE_ORDER.indexOf(a.phase) - PHASE_ORDER.indexOf(b.phase) ||
      WHERE_ORDER.indexOf(a.where) - WHERE_ORDER.indexOf(b.where) ||
      a.backend.localeCompare(b.backend) ||
      (a.replicas ?? 1) - (b.replicas ?? 1),
  );
  const head = [
    'preset',
    'phase',
    'where',
    'backend',
    'R',
    'ms median',
    'x PyTorch',
    'x R runs (CPU time)',
    'kernels (per replica)',
    'tokens/s',
    'peak MB',
    'reps (ms)',
  ];
  const R = (r: BenchRow) => r.replicas ?? 1;
  const body = sorted.map((r) => [
    r.preset,
    r.phase,
    r.where,
    r.adapter && !r.backend.includes('cpu') && r.backend !== 'wasm'
      ? `${r.backend} (${r.adapter.slice(0, 24)})`
      : r.backend,
    String(R(r)),
    fmt(r.ms_median),
    r.ratio_to_pytorch === undefined ? '-' : `${r.ratio_to_pytorch.toFixed(2)}x`,
    r.ratio_to_sequential === undefined
      ? '-'
      : `${r.ratio_to_sequential.toFixed(2)}x${r.cpu_ratio_to_sequential === undefined ? '' : ` (${r.cpu_ratio_to_sequential.toFixed(2)}x)`}`,
    r.kernels === undefined || !Number.isFinite(r.kernels)
      ? '-'
      : R(r) === 1
        ? fmt(r.kernels)
        : `${fmt(r.kernels)} (${fmt(r.kernels / R(r))})`,
    fmt(r.tokens_per_s),
    r.peak_bytes ? fmt(r.peak_bytes / 2 ** 20) : '-',
    r.error ? `error: ${r.error.slice(0, 60)}` : r.ms.map((x) => x.toFixed(0)).join(' '),
  ]);
  const right = (i: number) => i >= 4 && i <= 10;
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (right(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  return [
    `${meta.command} · batch ${meta.batch} x 128 tokens (GRPO: ${meta.max_new_tokens} new) · load average ${meta.load_start} -> ${meta.load_end} on ${meta.cpus} cpus`,
    ...(meta.skipped.length ? [`skipped: ${meta.skipped.join('; ')}`] : []),
    line(head),
    `|${widths.map((w, i) => (right(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`,
    ...body.map(line),
  ].join('\n');
}

/** The issue's targets, measured in this run. */
export function headline(rows: BenchRow[]): string[] {
  const find = (where: string, backend: string, phase: Phase) =>
    rows.find(
      (r) => r.where === where && r.backend === backend && r.preset === 'micro' && r.phase === phase && plain(r),
    );
  const out: string[] = [];
  const cuda = rows.some((r) => r.backend === 'pytorch-cuda');
  // The CPU machine's target compares wasm with PyTorch on the CPU; a GPU run's, WebGPU with PyTorch CUDA and with wasm.
  for (const phase of cuda ? [] : (['sft', 'grpo'] as Phase[])) {
    const r = find('node', 'wasm', phase);
    if (r?.ratio_to_pytorch !== undefined)
      out.push(
        `target: node wasm micro ${phase} = ${r.ratio_to_pytorch.toFixed(2)}x PyTorch (${fmt(r.ms_median)} ms; target <= 1.0x): ${r.ratio_to_pytorch <= 1 ? 'met' : 'MISSED'}`,
      );
  }
  const gpu = find('node', 'webgpu-vulkan', 'grpo');
  if (cuda && gpu && !/swiftshader|llvmpipe/i.test(gpu.adapter ?? '')) {
    if (gpu.ratio_to_pytorch !== undefined)
      out.push(
        `target: node webgpu micro grpo = ${gpu.ratio_to_pytorch.toFixed(2)}x PyTorch CUDA (${fmt(gpu.ms_median)} ms; target <= 3.0x): ${gpu.ratio_to_pytorch <= 3 ? 'met' : 'MISSED'}`,
      );
    const w = find('node', 'wasm', 'grpo');
    if (w) {
      const x = w.ms_median / gpu.ms_median;
      out.push(
        `target: node webgpu micro grpo = ${x.toFixed(1)}x faster than wasm on this machine (${fmt(gpu.ms_median)} vs ${fmt(w.ms_median)} ms; target >= 20x): ${x >= 20 ? 'met' : 'MISSED'}`,
      );
    }
  }
  // Replicas: R runs as one program against R runs one after another (CPU: at most 1.0), or against
  // one run (a GPU: R = 8 in at most twice one run's time).
  for (const r of rows.filter((x) => !plain(x) && x.where === 'node' && x.ratio_to_sequential !== undefined)) {
    if (!['sft', 'grpo'].includes(r.phase) || !['wasm', 'webgpu-vulkan'].includes(r.backend)) continue;
    const n = r.replicas ?? 1;
    const onGpu = r.backend === 'webgpu-vulkan' && !/swiftshader|llvmpipe/i.test(r.adapter ?? '');
    const x = r.ratio_to_sequential as number;
    // On a GPU: against one plain run (the plain row of this run).
    const single = rows.find(
      (o) => plain(o) && o.where === r.where && o.backend === r.backend && o.preset === r.preset && o.phase === r.phase,
    );
    const vsOne = single ? r.ms_median / single.ms_median : x * n;
    out.push(
      onGpu
        ? `target: node webgpu ${r.preset} ${r.phase} R = ${n} = ${vsOne.toFixed(2)}x one run (${fmt(r.ms_median)} ms; target <= 2x): ${vsOne <= 2 ? 'met' : 'MISSED'}`
        : `target: node ${r.backend} ${r.preset} ${r.phase} R = ${n} as one program = ${x.toFixed(2)}x ${n} runs in a row (${fmt(r.ms_median)} ms${r.cpu_ratio_to_sequential === undefined ? '' : `; CPU time ${r.cpu_ratio_to_sequential.toFixed(2)}x`}; target <= 1.0x): ${x <= 1 ? 'met' : 'MISSED'}`,
    );
  }
  for (const phase of ['sft', 'grpo'] as Phase[]) {
    const g = find('chromium', 'webgpu-gles', phase);
    const w = find('chromium', 'wasm', phase);
    if (g && w && Number.isFinite(g.ms_median) && Number.isFinite(w.ms_median)) {
      const x = g.ms_median / w.ms_median;
      out.push(
        `target: chromium webgpu-gles micro ${phase} = ${x.toFixed(2)}x chromium wasm (${fmt(g.ms_median)} vs ${fmt(w.ms_median)} ms; target <= 1.0x): ${x <= 1 ? 'met' : 'MISSED'}`,
      );
    }
  }
  return out;
}
