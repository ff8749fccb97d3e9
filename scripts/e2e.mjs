#!/usr/bin/env node
// Builds the app, serves it on 127.0.0.1 with `vite preview`, and runs the e2e tests in Chromium.
// Extra arguments go to vitest (e.g. a test file filter). Exits with vitest's code.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];
const chromiumPath = process.env.CHROMIUM_PATH ?? CANDIDATES.find((p) => existsSync(p));
if (!chromiumPath || !existsSync(chromiumPath)) {
  console.error(
    "e2e: no Chromium found. Install Debian's with `apt-get install -y chromium`, or set CHROMIUM_PATH to a Chromium binary.",
  );
  process.exit(2);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

if (!process.env.E2E_NO_BUILD) {
  const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('e2e: vite build failed');
    process.exit(build.status ?? 1);
  }
}
const port = await freePort();
const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
  stdio: ['ignore', 'pipe', 'inherit'],
  detached: true,
});
const url = `http://127.0.0.1:${port}/`;
for (let i = 0; i < 100; i++) {
  try {
    const r = await fetch(url);
    if (r.ok) break;
  } catch {
    /* not up yet */
  }
  await new Promise((r) => setTimeout(r, 200));
}
const args = ['vitest', 'run', '-c', 'vitest.e2e.config.ts', ...process.argv.slice(2)];
const run = spawnSync('npx', args, {
  stdio: 'inherit',
  env: { ...process.env, E2E_BASE_URL: url, CHROMIUM_PATH: chromiumPath },
});
try {
  process.kill(-server.pid, 'SIGTERM');
} catch {
  /* already gone */
}
process.exit(run.status ?? 1);
