/**
 * `npm run pretrain`: produce the bundled base models (public/models/<name>.ckpt + <name>.json)
 * from a seed, with the curriculum of src/config/presets.ts. Resumable: the full state
 * (weights + Adam moments) is saved under --state every --save-every steps, and a later call
 * continues from it (step s always trains on the batch drawn from (seed, s)).
 *
 *   npm run pretrain -- --preset trace --steps 6000
 *   nohup npm run pretrain -- --preset trace --steps 20000 > out/pretrain-trace.log 2>&1 &
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { initBackend } from '../engine/backend.ts';
import { nodeWasmDir, parseBackendList, quietTfjs } from '../engine/node.ts';
import { Pretrainer } from '../runtime/pretrain.ts';
import { PRETRAIN_SPECS } from '../config/presets.ts';
import type { BaseFigures } from '../runtime/evaluate.ts';
import { formatDuration, parseFlags, usage, type FlagSpec } from './args.ts';

const FLAGS = {
  preset: {
    type: 'string',
    default: 'all',
    help: `base model to pretrain: ${Object.keys(PRETRAIN_SPECS).join(', ')} or all`,
  },
  steps: { type: 'number', help: "total pretraining steps to reach (default: the spec's)" },
  seed: { type: 'number', default: 0, help: 'seed of the weights and the data stream' },
  out: { type: 'string', default: 'public/models', help: 'where the bundled checkpoint and its JSON sidecar go' },
  state: { type: 'string', default: 'out/pretrain', help: 'where the resumable state goes' },
  'save-every': { type: 'number', default: 200, help: 'save the resumable state every N steps' },
  'eval-every': {
    type: 'number',
    default: 1000,
    help: 'measure the base-model figures and publish the checkpoint every N steps',
  },
  'eval-n': { type: 'number', default: 200, help: 'items / pairs per figure' },
  backend: { type: 'string', default: 'wasm,cpu', help: 'backends to try in order' },
  fresh: { type: 'boolean', default: false, help: 'ignore saved state and start over' },
  help: { type: 'boolean', default: false, help: 'show this help' },
} satisfies FlagSpec;

const pct = (x: number | undefined) => (x === undefined ? 'n/a' : `${(100 * x).toFixed(1)}%`);
const figureLine = (f: BaseFigures) =>
  `lookup ${pct(f.lookupAccuracy)} · hard ${pct(f.hardAccuracy)} · easy pairs ${pct(f.easyPairAccuracy)} · hard pairs ${pct(f.hardPairAccuracy)} · shortcut share ${pct(f.shortcutShare)}`;

async function pretrainOne(name: string, flags: ReturnType<typeof parseFlags<typeof FLAGS>>): Promise<void> {
  const spec = PRETRAIN_SPECS[name];
  const total = flags.steps ?? spec.steps;
  const statePath = path.join(flags.state, `${name}-seed${flags.seed}.state`);
  const resume = !flags.fresh && existsSync(statePath) ? readFileSync(statePath) : undefined;
  const p = Pretrainer.create(
    spec,
    flags.seed,
    resume ? resume.buffer.slice(resume.byteOffset, resume.byteOffset + resume.byteLength) : undefined,
  );
  console.log(
    `[${name}] ${resume ? `resumed at step ${p.step}` : 'fresh'} · ${p.policy.model.numParameters()} parameters · target ${total} steps · seed ${flags.seed}`,
  );
  mkdirSync(flags.state, { recursive: true });
  mkdirSync(flags.out, { recursive: true });
  const sidecarPath = path.join(flags.out, `${name}.json`);
  const history: { step: number; figures: BaseFigures; elapsedSec: number }[] =
    existsSync(sidecarPath) && resume ? (JSON.parse(readFileSync(sidecarPath, 'utf8')).history ?? []) : [];
  const publish = async () => {
    const figures = await p.figures(flags['eval-n']);
    history.push({ step: p.step, figures, elapsedSec: Math.round(p.elapsedMs / 1000) });
    console.log(`[${name}] step ${p.step} · ${figureLine(figures)}`);
    writeFileSync(path.join(flags.out, `${name}.ckpt`), new Uint8Array(await p.save(figures, false)));
    const sidecar = {
      name,
      domain: spec.domain,
      seed: flags.seed,
      step: p.step,
      trainingSeconds: Math.round(p.elapsedMs / 1000),
      parameters: p.policy.model.numParameters(),
      model: p.policy.model.config,
      batchSize: spec.batchSize,
      learningRate: spec.learningRate,
      easyPairShare: spec.easyPairShare,
      pairLoss: spec.pairLoss ?? 'sft',
      curriculum: spec.stages,
      figureKnobs: spec.figureKnobs,
      figures,
      history,
      command: `npm run pretrain -- --preset ${name} --seed ${flags.seed} --steps ${p.step}`,
    };
    writeFileSync(sidecarPath, JSON.stringify(sidecar, null, 2) + '\n');
  };
  const saveState = async () => writeFileSync(statePath, new Uint8Array(await p.save()));
  let t = performance.now();
  let lossSum = 0,
    caSum = 0,
    n = 0;
  while (p.step < total) {
    const { metrics, stage, caLoss } = await p.trainStep();
    lossSum += metrics.loss;
    caSum += caLoss ?? NaN;
    n++;
    if (p.step % 50 === 0) {
      const sPer = (performance.now() - t) / 1000 / n;
      console.log(
        `[${name}] step ${p.step}/${total} · ${stage} · loss ${(lossSum / n).toFixed(3)}${Number.isNaN(caSum) ? '' : ` · L_CA ${(caSum / n).toFixed(3)}`} · ${sPer.toFixed(2)} s/step · ETA ${formatDuration(sPer * (total - p.step))}`,
      );
      lossSum = 0;
      caSum = 0;
      n = 0;
      t = performance.now();
    }
    if (p.step % flags['save-every'] === 0) await saveState();
    if (p.step % flags['eval-every'] === 0) await publish();
  }
  await saveState();
  if (history.at(-1)?.step !== p.step) await publish();
  p.dispose();
}

async function main() {
  quietTfjs();
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help) {
    console.log(usage('npm run pretrain --', FLAGS));
    return;
  }
  const names = flags.preset === 'all' ? Object.keys(PRETRAIN_SPECS) : flags.preset.split(',');
  for (const n of names)
    if (!PRETRAIN_SPECS[n])
      throw new Error(`unknown --preset ${n} (known: ${Object.keys(PRETRAIN_SPECS).join(', ')}, all)`);
  const st = await initBackend({ order: parseBackendList(flags.backend), wasmPaths: nodeWasmDir() });
  console.log(`backend: ${st.label}`);
  for (const n of names) await pretrainOne(n, flags);
}

main().catch((e: unknown) => {
  console.error(`pretrain: ${(e as Error).message ?? String(e)}`);
  process.exit(1);
});
