/**
 * The PyTorch reference of `npm run bench`: runs bench/torch_ref.py (Debian's python3-torch is
 * installed for /usr/bin/python3) with a spec file, for the loss-equality checks and the timings.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PresetName } from '../engine/model-config.ts';
import type { WorkloadShape } from '../perf/workload.ts';

export interface TorchCheck {
  phase: string;
  preset: string;
  torch_loss: number;
  ours_loss: number;
  torch_grad_norm: number;
  ours_grad_norm: number;
  rel_loss: number;
  rel_grad_norm: number;
}

/** torch_ref.py's KV-cache sampler against its full-forward one (float64, left-padded prompts). */
export interface TorchKvCheck {
  preset: string;
  steps: number;
  max_abs_logit_diff: number;
  max_abs_logp_diff: number;
  same_tokens: boolean;
  distinct_tokens: number;
}

export interface TorchResult {
  torch: string;
  device: string;
  device_name: string | null;
  threads: number;
  /** Whether grpo_sample used the KV cache (CONTEXTRL_KV_CACHE=0 turns it off, as for our sampler). */
  kv_cache?: boolean;
  checks: TorchCheck[];
  kv_checks?: TorchKvCheck[];
  timings: { preset: PresetName; ms: Record<string, number[]>; ms_median: Record<string, number> }[];
}

export interface TorchSpec {
  threads?: number;
  device: 'cpu' | 'cuda' | 'auto';
  checks: string[];
  kv_checks?: { preset: PresetName; config: object }[];
  timings: {
    preset: PresetName;
    config: object;
    workload: WorkloadShape;
    warmup: number;
    reps: number;
    phases?: string[];
  }[];
}

/** The torch_ref.py next to this file's repo (or next to the packed bundle). */
export function torchScript(): string {
  const candidates = [
    path.resolve('bench/torch_ref.py'),
    path.join(path.dirname(process.argv[1] ?? '.'), 'torch_ref.py'),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`bench/torch_ref.py not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** Runs torch_ref.py; progress lines (stderr) go to `progress`. Throws with its stderr on failure. */
export async function runTorch(python: string, spec: TorchSpec, progress: (m: string) => void): Promise<TorchResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'crl-bench-torch-'));
  const specPath = path.join(dir, 'spec.json');
  const outPath = path.join(dir, 'out.json');
  writeFileSync(specPath, JSON.stringify(spec));
  const stderr: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const p = spawn(python, [torchScript(), specPath, outPath], { stdio: ['ignore', 'inherit', 'pipe'] });
    p.stderr.on('data', (d: Buffer) => {
      const s = d.toString();
      stderr.push(s);
      for (const line of s.split('\n').filter(Boolean)) progress(`pytorch: ${line}`);
    });
    p.on('error', reject);
    p.on('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw new Error(`${python} ${torchScript()} exited with ${code}:\n${stderr.join('').slice(-4000)}`);
  return JSON.parse(readFileSync(outPath, 'utf8')) as TorchResult;
}
