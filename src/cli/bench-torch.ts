/**
 * The PyTorch reference of `npm run bench`: runs bench/torch_ref.py (for example with Debian's
 * python3-torch for /usr/bin/python3) with a spec file, for the loss-equality checks and the
 * timings. Also the recorded reference (bench/torch-reference.json): PyTorch's loss and gradient
 * norm for one nano step per trained phase, which the unit tests compare ours with, so that they
 * need no Python. `npm run bench -- --record-torch-reference` rewrites it.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PresetName } from '../engine/model-config.ts';
import type { Phase, WorkloadShape } from '../perf/workload.ts';

/** The largest relative differences `npm run bench` and the unit tests accept between PyTorch and us. */
export const LOSS_TOLERANCE = 1e-4;
export const GRAD_TOLERANCE = 1e-3;

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

/** Where the recorded reference lives, relative to the repository root. */
export const TORCH_REFERENCE_FILE = 'bench/torch-reference.json';

/** The workload the recorded reference covers: one step per trained phase, nano, 4 rows, Node wasm, seed 1. */
export const REFERENCE_WORKLOAD = {
  preset: 'nano' as PresetName,
  batch: 4,
  backend: 'wasm',
  phases: ['sft', 'ca', 'grpo_update'] as Phase[],
};

export interface RecordedCheck extends TorchCheck {
  /** sha256 of the weights, batch, advantages and letter ids PyTorch was given (to tell "inputs changed" from "loss changed"). */
  inputs_sha256: string;
}

export interface TorchReference {
  about: string;
  command: string;
  torch: string;
  date: string;
  workload: typeof REFERENCE_WORKLOAD;
  tolerance: { loss: number; grad_norm: number };
  checks: RecordedCheck[];
  kv_checks: TorchKvCheck[];
}

/** Relative difference with a floor, as torch_ref.py computes it (the first GRPO loss is ~0 by construction). */
export function relDiff(ours: number, reference: number): number {
  return Math.abs(ours - reference) / Math.max(Math.abs(reference), 1e-3);
}

interface CheckManifest {
  phase: string;
  preset: string;
  bin: string;
  advantages?: number[];
  positiveId?: number[];
  negativeId?: number[];
  ours: { loss: number; grad_norm: number };
}

function readManifest(manifestPath: string): CheckManifest {
  return JSON.parse(readFileSync(manifestPath, 'utf8')) as CheckManifest;
}

/** sha256 over a check manifest's binary inputs (weights and batch) and its advantages and letter ids. */
export function checkInputsDigest(manifestPath: string): string {
  const m = readManifest(manifestPath);
  return createHash('sha256')
    .update(readFileSync(m.bin))
    .update(JSON.stringify({ advantages: m.advantages, positiveId: m.positiveId, negativeId: m.negativeId }))
    .digest('hex');
}

/** One of our check manifests against the recorded PyTorch values of its phase. */
export function compareWithReference(
  manifestPath: string,
  ref: TorchReference,
): TorchCheck & { recorded: boolean; same_inputs: boolean } {
  const m = readManifest(manifestPath);
  const r = ref.checks.find((k) => k.phase === m.phase && k.preset === m.preset);
  if (!r)
    return {
      phase: m.phase,
      preset: m.preset,
      torch_loss: NaN,
      ours_loss: m.ours.loss,
      torch_grad_norm: NaN,
      ours_grad_norm: m.ours.grad_norm,
      rel_loss: Infinity,
      rel_grad_norm: Infinity,
      recorded: false,
      same_inputs: false,
    };
  return {
    phase: m.phase,
    preset: m.preset,
    torch_loss: r.torch_loss,
    ours_loss: m.ours.loss,
    torch_grad_norm: r.torch_grad_norm,
    ours_grad_norm: m.ours.grad_norm,
    rel_loss: relDiff(m.ours.loss, r.torch_loss),
    rel_grad_norm: relDiff(m.ours.grad_norm, r.torch_grad_norm),
    recorded: true,
    same_inputs: checkInputsDigest(manifestPath) === r.inputs_sha256,
  };
}

/** torch_ref.py's own criterion for its cached sampler against the full-forward one. */
export function kvCheckOk(k: TorchKvCheck): boolean {
  return k.same_tokens && k.max_abs_logit_diff < 1e-9 && k.max_abs_logp_diff < 1e-9;
}

export function readTorchReference(file = TORCH_REFERENCE_FILE): TorchReference {
  return JSON.parse(readFileSync(file, 'utf8')) as TorchReference;
}
