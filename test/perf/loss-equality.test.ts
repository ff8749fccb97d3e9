/**
 * The benchmark's reference is only meaningful if PyTorch computes what we compute: one step per
 * trained phase on nano (wasm), then bench/torch_ref.py recomputes loss and gradient norm in float64
 * from the same weights and batch. Its KV-cache sampler must match its full-forward one.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { benchTokenizer, runWorkload, workloadShape } from '../../src/perf/workload.ts';
import { modelConfig } from '../../src/engine/model-config.ts';
import { writeCheck } from '../../src/cli/bench-node.ts';
import { runTorch } from '../../src/cli/bench-torch.ts';
import { useWasm } from '../engine/helpers.ts';

const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const dir = mkdtempSync(path.join(tmpdir(), 'crl-bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('PyTorch reference', () => {
  it(`matches our loss and gradient norm on nano for sft, L_CA and GRPO (needs torch for ${PYTHON})`, async () => {
    // Never a silent skip: without PyTorch the reference check cannot run, and that is a failure.
    if (!hasTorch)
      throw new Error(
        `PyTorch is not importable by ${PYTHON}: install Debian's python3-torch (apt-get install -y python3-torch); .ci/run does.`,
      );
    await useWasm();
    const manifests: string[] = [];
    await runWorkload(workloadShape('nano', { batch: 4 }), {
      warmup: 1,
      reps: 0,
      phases: ['sft', 'ca', 'grpo_update'],
      onCheck: (c) => {
        manifests.push(writeCheck(dir, 'nano', c));
      },
    });
    expect(manifests).toHaveLength(3);
    const r = await runTorch(PYTHON, { device: 'cpu', checks: manifests, timings: [] }, () => undefined);
    for (const k of r.checks) {
      expect(k.rel_loss, `${k.phase} loss`).toBeLessThan(1e-4);
      expect(k.rel_grad_norm, `${k.phase} gradient norm`).toBeLessThan(1e-3);
      expect(k.torch_grad_norm, `${k.phase} gradient norm is not trivially 0`).toBeGreaterThan(1e-3);
    }
  });

  it(`samples with a KV cache that equals its full-forward sampler (needs torch for ${PYTHON})`, async () => {
    if (!hasTorch)
      throw new Error(
        `PyTorch is not importable by ${PYTHON}: install Debian's python3-torch (apt-get install -y python3-torch); .ci/run does.`,
      );
    const tok = benchTokenizer();
    const presets = ['nano', 'micro'] as const;
    const r = await runTorch(
      PYTHON,
      {
        device: 'cpu',
        checks: [],
        kv_checks: presets.map((preset) => ({ preset, config: modelConfig(preset, tok.size) })),
        timings: [],
      },
      () => undefined,
    );
    const kvChecks = r.kv_checks ?? [];
    expect(kvChecks.map((k) => k.preset)).toEqual([...presets]);
    for (const k of kvChecks) {
      expect(k.steps, `${k.preset} steps`).toBe(8);
      expect(k.same_tokens, `${k.preset} same tokens`).toBe(true);
      expect(k.max_abs_logit_diff, `${k.preset} logits`).toBeLessThan(1e-9);
      expect(k.max_abs_logp_diff, `${k.preset} log-probs`).toBeLessThan(1e-9);
      expect(k.distinct_tokens, `${k.preset} samples more than one token`).toBeGreaterThan(4);
    }
  });
});
