/**
 * `npm run bench:engine`: milliseconds per supervised step, per GRPO step (sampling and update
 * apart) and per L_CA step, for the nano and micro presets on each backend available in Node.
 * Prints a table, then the JSON. Options: --backends wasm,cpu,webgpu  --presets nano,micro
 * --reps 1  --webgpu vulkan|opengles  --json out.json  --all (also cpu x micro: many minutes; skipped by default)
 * Workload (fixed, seeded): SFT 16 prompts of ~40 tokens + 3-token targets; GRPO 8 prompts x G 8,
 * up to 6 new tokens; L_CA 16 pair prompts of ~60 tokens.
 */
import * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
import { initBackend, type BackendName } from '../engine/backend.ts';
import {
  installNodeWebGPU,
  nodeWasmDir,
  parseBackendList,
  quietTfjs,
  rerunWithFilteredStderr,
} from '../engine/node.ts';
import { Policy, Rng, Tokenizer } from '../engine/index.ts';
import type { PairExample, PresetName, SFTExample } from '../engine/index.ts';
import type { PromptText } from '../tasks/types.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const WORDS = Array.from({ length: 120 }, (_, i) => `v${i}`);
const rng = new Rng(1);
const pick = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(rng.next() * WORDS.length)]).join(' ');
const prompt = (ctx: number): PromptText => ({ text: `${pick(ctx)} | ${pick(2)} ->`, images: [] });
const sft: SFTExample[] = Array.from({ length: 16 }, () => ({ prompt: prompt(36), target: pick(3) }));
const grpoPrompts = Array.from({ length: 8 }, () => prompt(36));
const pairs: PairExample[] = Array.from({ length: 16 }, (_, i) => ({
  prompt: { text: `${pick(3)} | A: ${pick(24)} | B: ${pick(24)} | which ->`, images: [] },
  positiveLetter: i % 2 ? 'A' : 'B',
}));

interface Row {
  backend: string;
  preset: string;
  params: number;
  sftMs: number;
  sampleMs: number;
  grpoUpdateMs: number;
  caMs: number;
}

async function time(reps: number, f: () => Promise<unknown>): Promise<number> {
  await f(); // warm-up: shader compilation, kernel setup
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await f();
  return (performance.now() - t0) / reps;
}

async function benchOne(backend: string, preset: PresetName, reps: number): Promise<Row> {
  const tok = new Tokenizer(WORDS);
  const p = new Policy(tok, { model: preset, seed: 3, grpo: { beta: 0.001 } });
  const sftMs = await time(reps, () => p.sftStep(sft));
  let rollouts = await p.generate(grpoPrompts, 8, { maxCompletionLength: 6 });
  const sampleMs = await time(reps, async () => {
    rollouts = await p.generate(grpoPrompts, 8, { maxCompletionLength: 6 });
  });
  const scored = { ...rollouts, rewards: rollouts.texts.map((_, i) => (i % 3 === 0 ? 1 : 0)) };
  const grpoUpdateMs = await time(reps, () => p.grpoStep(scored, pairs.slice(0, 4)));
  const caMs = await time(reps, () => p.caStep(pairs));
  const params = p.model.numParameters();
  p.dispose();
  return { backend, preset, params, sftMs, sampleMs, grpoUpdateMs, caMs };
}

async function main(): Promise<void> {
  quietTfjs();
  const backends = parseBackendList(arg('backends', 'wasm,cpu,webgpu')) as BackendName[];
  if (backends.includes('webgpu')) {
    // Dawn writes warnings from native code; run in a child whose stderr drops them.
    const code = await rerunWithFilteredStderr();
    if (code !== undefined) process.exit(code);
  }
  const presets = arg('presets', 'nano,micro').split(',') as PresetName[];
  const reps = Number(arg('reps', '1'));
  const rows: Row[] = [];
  const skipped: Record<string, string> = {};
  for (const b of backends) {
    if (b === 'webgpu') {
      const kind = arg('webgpu', process.env.VK_ICD_FILENAMES ? 'vulkan' : 'opengles') as 'vulkan' | 'opengles';
      const err = await installNodeWebGPU(kind);
      if (err) {
        skipped[b] = err;
        continue;
      }
    }
    const st = await initBackend({ order: [b], wasmPaths: nodeWasmDir() }).catch((e: Error) => e);
    if (st instanceof Error || st.name !== b) {
      skipped[b] = st instanceof Error ? st.message : st.label;
      continue;
    }
    const label = st.label;
    for (const preset of presets) {
      if (b === 'cpu' && preset !== 'nano' && !process.argv.includes('--all')) {
        skipped[`cpu ${preset}`] =
          'the pure-JS cpu backend takes many minutes per step at this size; pass --all to run it';
        continue;
      }
      const row = await benchOne(label, preset, reps);
      rows.push(row);
      console.error(
        `${label} ${preset}: sft ${row.sftMs.toFixed(0)} ms, sample ${row.sampleMs.toFixed(0)} ms, grpo update ${row.grpoUpdateMs.toFixed(0)} ms, L_CA ${row.caMs.toFixed(0)} ms (${tf.memory().numTensors} tensors alive)`,
      );
    }
  }
  const f = (x: number) => x.toFixed(0).padStart(9);
  console.log(`\nms per step (mean of ${reps} after one warm-up); GRPO: 8 prompts x G 8, 6 new tokens\n`);
  console.log(
    `${'backend'.padEnd(44)} ${'preset'.padEnd(6)} ${'params'.padStart(9)} ${'sft'.padStart(9)} ${'sample'.padStart(9)} ${'grpo upd'.padStart(9)} ${'L_CA'.padStart(9)}`,
  );
  for (const r of rows)
    console.log(
      `${r.backend.slice(0, 44).padEnd(44)} ${r.preset.padEnd(6)} ${String(r.params).padStart(9)} ${f(r.sftMs)} ${f(r.sampleMs)} ${f(r.grpoUpdateMs)} ${f(r.caMs)}`,
    );
  for (const [b, why] of Object.entries(skipped)) console.log(`skipped ${b}: ${why}`);
  const json = { reps, rows, skipped };
  console.log(JSON.stringify(json));
  const out = arg('json', '');
  if (out) writeFileSync(out, JSON.stringify(json, null, 2));
  process.exit(0);
}

void main();
