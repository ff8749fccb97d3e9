#!/usr/bin/env node
// How long a run takes in the lab itself: builds the app, serves it on 127.0.0.1, opens it in
// headless Chromium, presses Start and times each RL step from the progress line.
//
//   node scripts/time-run.mjs --backend wasm --steps 20                   # the default preset on wasm
//   node scripts/time-run.mjs --backend webgpu --gpu swiftshader --steps 5  # WebGPU on SwiftShader
//   node scripts/time-run.mjs --backend webgpu --gpu hardware --steps 20    # a real GPU, if Chromium has one
//
// Flags: --preset NAME (default trace-default), --no-build (reuse dist/). It prints the seconds of
// every RL step, the median from the third step to the one before the last (the last also runs the
// evaluation), and that median times the preset's steps: an extrapolation that leaves out the
// periodic evaluations (a few seconds each on wasm).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const backend = flag('backend', 'wasm');
const gpu = flag('gpu', backend === 'webgpu' ? 'swiftshader' : 'none');
const steps = Number(flag('steps', '20'));
const preset = flag('preset', 'trace-default');
const FULL = { 'trace-default': 200, 'document-default': 200, 'image-default': 200 };

const QUIET = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-default-apps',
  '--disable-dev-shm-usage',
];
const GPU_ARGS = {
  none: QUIET,
  hardware: [...QUIET, '--enable-unsafe-webgpu'],
  swiftshader: [...QUIET, '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'],
};
if (!GPU_ARGS[gpu]) throw new Error(`--gpu must be one of ${Object.keys(GPU_ARGS).join(', ')}`);

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];
const executablePath = process.env.CHROMIUM_PATH ?? CANDIDATES.find((p) => existsSync(p));
if (!executablePath) {
  console.error('time-run: no Chromium found (apt-get install -y chromium, or set CHROMIUM_PATH)');
  process.exit(2);
}

if (!args.includes('--no-build')) {
  const b = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const port = await new Promise((resolve, reject) => {
  const s = net.createServer();
  s.listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
  s.on('error', reject);
});
const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
  stdio: ['ignore', 'ignore', 'inherit'],
  detached: true,
});
const url = `http://127.0.0.1:${port}/`;
for (let i = 0; i < 100; i++) {
  try {
    if ((await fetch(url)).ok) break;
  } catch {
    /* not up yet */
  }
  await new Promise((r) => setTimeout(r, 200));
}

const dir = mkdtempSync(path.join(tmpdir(), 'crl-time-run-'));
const context = await chromium.launchPersistentContext(dir, { executablePath, headless: true, args: GPU_ARGS[gpu] });
try {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${url}?v=1&preset=${preset}&steps=${steps}&evalEvery=${steps}&backend=${backend}`);
  const badge = page.getByRole('status', { name: 'Backend' });
  for (let i = 0; i < 600 && !(await badge.getAttribute('data-backend')); i++) await page.waitForTimeout(200);
  const label = ((await badge.textContent()) ?? '').trim();
  console.log(`time-run: ${preset}, ${steps} RL steps, backend ${label} (Chromium --gpu ${gpu})`);
  if ((await badge.getAttribute('data-backend')) !== backend)
    console.log(`time-run: asked for ${backend}, got the above`);
  await page.getByRole('button', { name: /^Start/ }).click();
  const t0 = Date.now();
  const details = page.getByLabel('Progress details');
  const state = page.getByRole('status', { name: 'Run state' });
  const at = new Map(); // RL step -> ms since Start when it was first shown
  let last = 0;
  while (last < steps) {
    const m = /^rl · step (\d+) \//.exec(((await details.textContent()) ?? '').trim());
    if (m && !at.has(Number(m[1]))) {
      last = Number(m[1]);
      at.set(last, Date.now() - t0);
    }
    if (['error', 'done'].includes((await state.textContent()) ?? '') && last < steps) {
      if ((await state.textContent()) === 'error') throw new Error('the run stopped with an error');
      break;
    }
    await page.waitForTimeout(100);
  }
  const times = [...at.entries()].sort((a, b) => a[0] - b[0]);
  const per = times.slice(1).map(([s, t], i) => ({ step: s, sec: (t - times[i][1]) / 1000 / (s - times[i][0]) }));
  console.log(`time-run: first RL step shown after ${(times[0][1] / 1000).toFixed(1)} s (compiling, first evaluation)`);
  console.log(`time-run: seconds per step: ${per.map((p) => p.sec.toFixed(2)).join(' ')}`);
  // The last step also carries the final evaluation.
  const steady = per.filter((p) => p.step >= 3 && p.step < steps).map((p) => p.sec);
  steady.sort((a, b) => a - b);
  const median = steady.length ? steady[Math.floor(steady.length / 2)] : NaN;
  const full = FULL[preset] ?? steps;
  console.log(
    `time-run: median ${median.toFixed(2)} s per step from step 3; ${full} steps ≈ ${((median * full) / 60).toFixed(1)} min (extrapolated, evaluations not included); ${steps} steps took ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );
} finally {
  await context.close();
  rmSync(dir, { recursive: true, force: true });
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
}
