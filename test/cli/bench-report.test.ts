/** The benchmark's target lines (bench-report.ts headline): which comparison each machine gets, and met / MISSED. */
import { describe, expect, it } from 'vitest';
import { addRatios, formatTable, headline, type BenchRow } from '../../src/cli/bench-report.ts';
import { explainFailure } from '../../src/cli/bench-node.ts';

const row = (
  where: BenchRow['where'],
  backend: string,
  phase: 'sft' | 'grpo',
  ms: number,
  ratio?: number,
  adapter?: string,
): BenchRow =>
  ({
    where,
    backend,
    adapter,
    preset: 'micro',
    phase,
    ms_median: ms,
    tokens_per_s: 1,
    ms: [ms],
    tokens: 1,
    ratio_to_pytorch: ratio,
  }) as BenchRow;

describe('bench targets', () => {
  it('CPU machine: Node wasm against PyTorch CPU, at most 1.0x', () => {
    const lines = headline([
      row('python', 'pytorch-cpu', 'sft', 1000, 1),
      row('node', 'wasm', 'sft', 470, 0.47),
      row('python', 'pytorch-cpu', 'grpo', 1000, 1),
      row('node', 'wasm', 'grpo', 1200, 1.2),
    ]);
    expect(lines).toEqual([
      'target: node wasm micro sft = 0.47x PyTorch (470 ms; target <= 1.0x): met',
      'target: node wasm micro grpo = 1.20x PyTorch (1200 ms; target <= 1.0x): MISSED',
    ]);
  });

  it('GPU machine: WebGPU within 3x of PyTorch CUDA and 20x faster than wasm; no wasm-vs-CUDA line', () => {
    const lines = headline([
      row('python', 'pytorch-cuda', 'grpo', 56, 1),
      row('node', 'wasm', 'grpo', 6429, 114.8),
      row('node', 'webgpu-vulkan', 'grpo', 164, 2.94, 'NVIDIA H200'),
      row('node', 'wasm', 'sft', 3904, 433.8),
    ]);
    expect(lines).toEqual([
      'target: node webgpu micro grpo = 2.94x PyTorch CUDA (164 ms; target <= 3.0x): met',
      'target: node webgpu micro grpo = 39.2x faster than wasm on this machine (164 vs 6429 ms; target >= 20x): met',
    ]);
    const slow = headline([
      row('python', 'pytorch-cuda', 'grpo', 69, 1),
      row('node', 'wasm', 'grpo', 400, 5.8),
      row('node', 'webgpu-vulkan', 'grpo', 222, 3.21, 'NVIDIA H200'),
    ]);
    expect(slow).toEqual([
      'target: node webgpu micro grpo = 3.21x PyTorch CUDA (222 ms; target <= 3.0x): MISSED',
      'target: node webgpu micro grpo = 1.8x faster than wasm on this machine (222 vs 400 ms; target >= 20x): MISSED',
    ]);
  });

  it('replicas: R runs as one program against R runs in a row (CPU) or one run (GPU); PyTorch ratios for plain rows only', () => {
    const rep = (backend: string, ms: number, replicas: number, kernels: number, adapter?: string) =>
      ({ ...row('node', backend, 'grpo', ms, undefined, adapter), replicas, kernels }) as BenchRow;
    const rows = [
      row('python', 'pytorch-cpu', 'grpo', 1000),
      rep('wasm', 500, 1, 800),
      rep('wasm', 3000, 8, 1000),
      rep('webgpu-vulkan', 100, 1, 600, 'NVIDIA H200'),
      rep('webgpu-vulkan', 250, 8, 700, 'NVIDIA H200'),
    ];
    addRatios(rows);
    expect(rows[1].ratio_to_pytorch).toBe(0.5);
    expect(rows[2].ratio_to_pytorch).toBeUndefined();
    expect(rows[2].ratio_to_sequential).toBe(3000 / (8 * 500));
    expect(headline(rows)).toEqual([
      'target: node wasm micro grpo = 0.50x PyTorch (500 ms; target <= 1.0x): met',
      'target: node wasm micro grpo R = 8 as one program = 0.75x 8 runs in a row (3000 ms; target <= 1.0x): met',
      'target: node webgpu micro grpo R = 8 = 2.50x one run (250 ms; target <= 2x): MISSED',
    ]);
    const table = formatTable(rows, {
      command: 'bench',
      load_start: '1',
      load_end: '1',
      cpus: 2,
      batch: 8,
      max_new_tokens: 8,
      skipped: [],
    });
    expect(table).toMatch(/ 1000 \(125\) \|/);
    expect(table).toContain('0.75x');
  });
});

describe('a failed bench workload', () => {
  it('says an aborted wasm module ran out of its 4 GB heap, and that nothing more can run on it', () => {
    const f = explainFailure('wasm', 8, new Error('Aborted(). Build with -sASSERTIONS for more info.'));
    expect(f.fatal).toBe(true);
    expect(f.error).toBe(
      'out of wasm memory (4 GB heap) with 8 replicas: time fewer replicas at once (Error: Aborted(). Build with -sASSERTIONS for more info.)',
    );
  });
  it('passes other errors on as their first line, and the next workload still runs', () => {
    expect(explainFailure('wasm', 1, new TypeError('x is undefined\n  at y'))).toEqual({
      error: 'TypeError: x is undefined',
      fatal: false,
    });
    expect(explainFailure('cpu', 8, new Error('Aborted()')).fatal).toBe(false);
  });
  it('reads the abort the wasm module printed when the error that surfaces is unrelated', () => {
    const printed = 'XNN status for xnn_create_fully_connected_nc_f32 is not successful. Got status 6.\nAborted()\n';
    const f = explainFailure('wasm', 8, new TypeError("Cannot read properties of undefined (reading 'map')"), printed);
    expect(f).toEqual({
      error:
        "out of wasm memory (4 GB heap) with 8 replicas: time fewer replicas at once (TypeError: Cannot read properties of undefined (reading 'map'))",
      fatal: true,
    });
  });
});
