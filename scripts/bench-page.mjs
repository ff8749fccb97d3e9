#!/usr/bin/env node
// How responsive the page stays while a run trains: serves the app (the dev server or the production
// build), opens it in headless Chromium, starts a run and, for --seconds of training, sends a click
// on the Smoothing slider and an arrow key on it, alternately, every --every ms. It records every
// long task (PerformanceObserver 'longtask'), each input's delay until its handler ran and until the
// next frame, Event Timing entries, and how long a script call into the page takes to return.
//
//   node scripts/bench-page.mjs --mode dev|prod [--seconds 90] [--every 1000] [--port 4201]
//        [--query 'v=1&...'] [--gpu none|swiftshader] [--out file.json]
//
// Prints one JSON object (and writes it to --out): the figures per phase and the raw samples' summary.
/* global window, document, requestAnimationFrame -- functions passed to page.evaluate run in the page */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .join(' ')
    .split(/\s*--/)
    .filter(Boolean)
    .map((a) => {
      const [k, ...v] = a.trim().split(/\s+/);
      return [k, v.join(' ') || 'true'];
    }),
);
const mode = args.mode ?? 'prod';
if (mode !== 'dev' && mode !== 'prod') throw new Error(`--mode must be dev or prod (got ${mode})`);
const seconds = Number(args.seconds ?? 90);
const every = Number(args.every ?? 1000);
const port = Number(args.port ?? 4201);
const query = args.query ?? 'v=1';
const gpu = args.gpu ?? 'none';
const chromiumPath =
  process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/google-chrome'].find((p) => existsSync(p));
if (!chromiumPath) throw new Error('no Chromium found: set CHROMIUM_PATH');

if (mode === 'prod' && !args['no-build']) {
  const b = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const server = spawn(
  'npx',
  mode === 'dev'
    ? ['vite', '--host', '127.0.0.1', '--port', String(port), '--strictPort']
    : ['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
  { stdio: ['ignore', 'ignore', 'inherit'], detached: true },
);
const stopServer = () => {
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {
    /* gone */
  }
};
process.on('exit', stopServer);
const url = `http://127.0.0.1:${port}/`;
for (let i = 0; i < 150; i++) {
  try {
    if ((await fetch(url)).ok) break;
  } catch {
    /* not up yet */
  }
  await new Promise((r) => setTimeout(r, 200));
}

/** Installed before the app's scripts: observers and input listeners that write into window.__bench. */
function instrument() {
  const b = { longtasks: [], events: [], inputs: [] };
  window.__bench = b;
  try {
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) b.longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    /* no longtask support */
  }
  try {
    new PerformanceObserver((l) => {
      for (const e of l.getEntries())
        b.events.push({
          name: e.name,
          start: e.startTime,
          delay: e.processingStart - e.startTime,
          duration: e.duration,
        });
    }).observe({ type: 'event', durationThreshold: 16, buffered: true });
  } catch {
    /* no event timing */
  }
  // For every probe input: the wait until a handler ran (input delay) and until the next frame after it.
  const onInput = (e) => {
    if (!e.isTrusted || !(e.type === 'pointerdown' || e.type === 'keydown')) return;
    const handled = performance.now();
    const rec = { type: e.type, start: e.timeStamp, delay: handled - e.timeStamp, frame: NaN };
    b.inputs.push(rec);
    requestAnimationFrame(() => setTimeout(() => (rec.frame = performance.now() - e.timeStamp), 0));
  };
  window.addEventListener('pointerdown', onInput, true);
  window.addEventListener('keydown', onInput, true);
}

const dir = mkdtempSync(path.join(tmpdir(), 'crl-bench-page-'));
const context = await chromium.launchPersistentContext(dir, {
  executablePath: chromiumPath,
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
    '--disable-dev-shm-usage',
    ...(gpu === 'swiftshader' ? ['--enable-unsafe-webgpu'] : []),
  ],
  viewport: { width: 1440, height: 900 },
});
const page = context.pages()[0] ?? (await context.newPage());
await page.addInitScript(instrument);
const tLoad = Date.now();
await page.goto(`${url}?${query}`, { timeout: 300_000 });
const badge = page.getByRole('status', { name: 'Backend' });
await page.waitForFunction(() => document.querySelector('[aria-label="Backend"]')?.getAttribute('data-backend'), null, {
  timeout: 300_000,
});
const backend = await badge.textContent();
const loadSec = (Date.now() - tLoad) / 1000;
// Found while the page is idle (the slider's place does not move while training).
const box = await page.getByRole('slider', { name: 'Smoothing' }).boundingBox();
await page.getByRole('button', { name: /^Start/ }).click();
// Training has begun when the first metric row is drawn.
await page.waitForFunction(
  () => Number(document.querySelector('figure[aria-label="reward"]')?.getAttribute('data-points') ?? 0) > 0,
  null,
  { timeout: 600_000, polling: 500 },
);
const t0 = await page.evaluate(() => performance.now());
const calls = [];
let unanswered = 0;
// Pointer input: a click at the Smoothing slider's middle (it takes focus and sets ~0.5); keyboard
// input: an arrow key on it. Both change the smoothing, so every chart redraws.
const within = async (ms, f) => {
  let timer;
  try {
    await Promise.race([f(), new Promise((_, rej) => (timer = setTimeout(() => rej(new Error('timeout')), ms)))]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
};
const end = Date.now() + seconds * 1000;
let i = 0;
while (Date.now() < end) {
  const c0 = Date.now();
  if (!(await within(60_000, () => page.evaluate(() => performance.now())))) unanswered++;
  calls.push(Date.now() - c0);
  const input =
    i % 2 === 0
      ? () => page.mouse.click(box.x + box.width / 2, box.y + box.height / 2)
      : () => page.keyboard.press(i % 4 === 1 ? 'ArrowLeft' : 'ArrowRight');
  if (!(await within(60_000, input))) unanswered++;
  i++;
  const left = every - (Date.now() - c0);
  if (left > 0) await new Promise((r) => setTimeout(r, left));
}
const data = await page.evaluate((from) => {
  const b = window.__bench;
  const now = performance.now();
  return {
    span: now - from,
    longtasks: b.longtasks.filter((t) => t.start >= from),
    events: b.events.filter((e) => e.start >= from),
    inputs: b.inputs.filter((e) => e.start >= from),
    steps: Number(document.querySelector('figure[aria-label="reward"]')?.getAttribute('data-points') ?? 0),
    progress: document.querySelector('[aria-label="Progress details"]')?.textContent,
  };
}, t0);
await context.close();
rmSync(dir, { recursive: true, force: true });
stopServer();

const q = (xs, p) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const r1 = (x) => Math.round(x * 10) / 10;
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const lt = data.longtasks.map((t) => t.duration);
const byType = (type) => data.inputs.filter((e) => e.type === type);
const inputFigures = (all) => {
  const xs = all.filter((e) => Number.isFinite(e.frame));
  const delay = xs.map((e) => e.delay);
  const frame = xs.map((e) => e.frame);
  return {
    n: xs.length,
    delayP50: r1(q(delay, 0.5)),
    delayP95: r1(q(delay, 0.95)),
    delayMax: r1(Math.max(...delay)),
    frameP50: r1(q(frame, 0.5)),
    frameP95: r1(q(frame, 0.95)),
    frameMax: r1(Math.max(...frame)),
    over100ms: frame.filter((f) => f > 100).length,
  };
};
const result = {
  mode,
  date: new Date().toISOString().slice(0, 10),
  cores: cpus().length,
  query,
  backend,
  loadSec: r1(loadSec),
  measuredSec: r1(data.span / 1000),
  progressAtEnd: data.progress,
  longTasks: {
    n: lt.length,
    max: r1(Math.max(0, ...lt)),
    p95: r1(q(lt, 0.95)),
    busyShare: r1((100 * sum(lt)) / data.span) / 100,
  },
  click: inputFigures(byType('pointerdown')),
  key: inputFigures(byType('keydown')),
  eventTiming: {
    n: data.events.length,
    maxDuration: r1(Math.max(0, ...data.events.map((e) => e.duration))),
    maxDelay: r1(Math.max(0, ...data.events.map((e) => e.delay))),
  },
  scriptCallMs: { p50: q(calls, 0.5), max: Math.max(...calls) },
  unansweredWithin60s: unanswered,
};
const text = JSON.stringify(result, null, 2);
console.log(text);
if (args.out) writeFileSync(args.out, `${text}\n`);
process.exit(0);
