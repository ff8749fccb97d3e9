/**
 * The benchmark's reference is only meaningful if PyTorch computes what we compute. One step per
 * trained phase on nano (wasm, 4 rows, the benchmark's own workload), then our loss and gradient
 * norm against PyTorch's for the same weights and batch, recorded by bench/torch_ref.py in float64
 * in bench/torch-reference.json. No Python here: `npm run bench` runs PyTorch live, and
 * `npm run bench -- --record-torch-reference` rewrites the record (only when PyTorch agrees).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runWorkload, workloadShape } from '../../src/perf/workload.ts';
import { writeCheck } from '../../src/cli/bench-node.ts';
import {
  compareWithReference,
  GRAD_TOLERANCE,
  kvCheckOk,
  LOSS_TOLERANCE,
  readTorchReference,
  REFERENCE_WORKLOAD,
  TORCH_REFERENCE_FILE,
} from '../../src/cli/bench-torch.ts';
import { useWasm } from '../engine/helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'crl-bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('PyTorch reference (recorded)', () => {
  const ref = readTorchReference();

  it('records every trained phase, and a PyTorch whose cached sampler equals its full-forward one', () => {
    expect(ref.workload).toEqual(REFERENCE_WORKLOAD);
    expect(ref.checks.map((k) => k.phase)).toEqual(REFERENCE_WORKLOAD.phases);
    for (const k of ref.checks)
      expect(k.torch_grad_norm, `${k.phase} gradient norm is not trivially 0`).toBeGreaterThan(1e-3);
    expect(ref.kv_checks.map((k) => k.preset)).toEqual(['nano', 'micro']);
    for (const k of ref.kv_checks) expect(kvCheckOk(k), `${k.preset} cached sampler`).toBe(true);
  });

  it('matches our loss and gradient norm on nano for sft, L_CA and GRPO', async () => {
    await useWasm();
    const manifests: string[] = [];
    await runWorkload(workloadShape(REFERENCE_WORKLOAD.preset, { batch: REFERENCE_WORKLOAD.batch }), {
      warmup: 1,
      reps: 0,
      phases: REFERENCE_WORKLOAD.phases,
      onCheck: (c) => {
        manifests.push(writeCheck(dir, REFERENCE_WORKLOAD.preset, c));
      },
    });
    expect(manifests).toHaveLength(REFERENCE_WORKLOAD.phases.length);
    for (const m of manifests) {
      const k = compareWithReference(m, ref);
      // When the inputs differ from the recorded ones, say so: an intended change to the workload
      // needs a new record; a loss change that also moved the inputs of a later phase shows up in
      // the earlier phase's values.
      const why = k.same_inputs
        ? ''
        : ` (the weights or batch differ from the recorded ones; if the workload changed on purpose, rerun ${ref.command} and commit ${TORCH_REFERENCE_FILE})`;
      expect(k.recorded, `${k.phase}: no recorded value in ${TORCH_REFERENCE_FILE}`).toBe(true);
      expect(k.rel_loss, `${k.phase} loss: ours ${k.ours_loss}, PyTorch ${k.torch_loss}${why}`).toBeLessThan(
        LOSS_TOLERANCE,
      );
      expect(
        k.rel_grad_norm,
        `${k.phase} gradient norm: ours ${k.ours_grad_norm}, PyTorch ${k.torch_grad_norm}${why}`,
      ).toBeLessThan(GRAD_TOLERANCE);
    }
  });
});
