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
  ms_median: number;
  tokens_per_s: number;
  peak_bytes?: number;
  /** The first, untimed step (WebGPU shader compilation). */
  warmup_ms?: number;
  ms: number[];
  tokens: number;
  /** ms_median / PyTorch's ms_median for the same preset and phase (same run, same machine). */
  ratio_to_pytorch?: number;
  error?: string;
}

export function addRatios(rows: BenchRow[]): void {
  const ref = new Map<string, BenchRow>();
  for (const r of rows) if (r.where === 'python') ref.set(`${r.preset}/${r.phase}`, r);
  for (const r of rows) {
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
      a.backend.localeCompare(b.backend),
  );
  const head = ['preset', 'phase', 'where', 'backend', 'ms median', 'x PyTorch', 'tokens/s', 'peak MB', 'reps (ms)'];
  const body = sorted.map((r) => [
    r.preset,
    r.phase,
    r.where,
    r.adapter && !r.backend.includes('cpu') && r.backend !== 'wasm'
      ? `${r.backend} (${r.adapter.slice(0, 24)})`
      : r.backend,
    fmt(r.ms_median),
    r.ratio_to_pytorch === undefined ? '-' : `${r.ratio_to_pytorch.toFixed(2)}x`,
    fmt(r.tokens_per_s),
    r.peak_bytes ? fmt(r.peak_bytes / 2 ** 20) : '-',
    r.error ? `error: ${r.error.slice(0, 60)}` : r.ms.map((x) => x.toFixed(0)).join(' '),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i >= 4 && i <= 7 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  return [
    `${meta.command} · batch ${meta.batch} x 128 tokens (GRPO: ${meta.max_new_tokens} new) · load average ${meta.load_start} -> ${meta.load_end} on ${meta.cpus} cpus`,
    ...(meta.skipped.length ? [`skipped: ${meta.skipped.join('; ')}`] : []),
    line(head),
    `|${widths.map((w, i) => (i >= 4 && i <= 7 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`,
    ...body.map(line),
  ].join('\n');
}

/** The issue's targets, measured in this run. */
export function headline(rows: BenchRow[]): string[] {
  const find = (where: string, backend: string, phase: Phase) =>
    rows.find((r) => r.where === where && r.backend === backend && r.preset === 'micro' && r.phase === phase);
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
