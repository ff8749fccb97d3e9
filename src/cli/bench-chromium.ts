/**
 * The Chromium share of `npm run bench`: builds bench.html with Vite (its own build, into
 * out/bench-web, so the app's build is untouched), serves it on 127.0.0.1 and drives headless
 * Chromium through playwright-core, one fresh page per backend.
 */
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { CROSS_ORIGIN_ISOLATION, wasmThreads } from '../../scripts/vite-wasm-threads.ts';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PageRequest, PageResult } from '../perf/main.ts';

const CHROMIUM = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];
const QUIET = [
  '--headless=new',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-default-apps',
  '--disable-dev-shm-usage',
];

/** Launch flavours: WebGPU on SwiftShader (Vulkan) or on ANGLE's OpenGL ES (llvmpipe), compatibility mode. */
export type ChromiumGpu = 'swiftshader' | 'gles';
const GPU_ARGS: Record<ChromiumGpu, string[]> = {
  swiftshader: ['--enable-unsafe-webgpu'],
  gles: [
    '--enable-unsafe-webgpu',
    '--use-webgpu-adapter=opengles',
    '--enable-features=WebGPUCompatibilityMode',
    '--use-gl=angle',
    '--use-angle=gl-egl',
  ],
};

export function findChromium(): string | undefined {
  const env = process.env.CHROMIUM_PATH;
  if (env) return existsSync(env) ? env : undefined;
  return CHROMIUM.find((p) => existsSync(p));
}

/** Vite build of bench.html into outDir. */
export async function buildBenchPage(root: string, outDir: string): Promise<void> {
  const { build } = await import('vite');
  await build({
    configFile: false,
    root,
    logLevel: 'warn',
    plugins: [wasmThreads()],
    worker: { format: 'es', plugins: () => [wasmThreads()] },
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      chunkSizeWarningLimit: 8000,
      rollupOptions: { input: path.join(root, 'bench.html') },
    },
  });
}

const MIME: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.json': 'application/json',
};

/** A static file server on 127.0.0.1, cross-origin isolated as the app (COOP / COEP: wasm threads). */
export function serve(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.join(dir, path.normalize(rel === '/' ? '/bench.html' : rel));
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
      ...CROSS_ORIGIN_ISOLATION,
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/bench.html`, close: () => new Promise((r) => server.close(() => r())) });
    }),
  );
}

export interface ChromiumJob {
  gpu: ChromiumGpu;
  request: PageRequest;
  rowBackend: string;
}

/** Runs the jobs of one launch flavour, each on a freshly loaded page; progress lines go to `progress`. */
export async function runInChromium(
  url: string,
  gpu: ChromiumGpu,
  jobs: ChromiumJob[],
  progress: (m: string) => void,
): Promise<{ job: ChromiumJob; result: PageResult }[]> {
  const { chromium } = await import('playwright-core');
  const exe = findChromium();
  if (!exe) throw new Error('no Chromium found (apt-get install -y chromium, or set CHROMIUM_PATH)');
  const dir = mkdtempSync(path.join(tmpdir(), 'crl-bench-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: exe,
    headless: true,
    args: [...QUIET, ...GPU_ARGS[gpu]],
  });
  const out: { job: ChromiumJob; result: PageResult }[] = [];
  try {
    for (const job of jobs) {
      const page = await context.newPage();
      page.on('console', (m) => {
        if (m.text().startsWith('bench:')) progress(`chromium ${job.rowBackend} ${m.text().slice(7)}`);
      });
      page.on('pageerror', (e) => progress(`chromium ${job.rowBackend} page error: ${e.message}`));
      await page.goto(url);
      await page.waitForFunction(
        () => (globalThis as unknown as { benchReady?: boolean }).benchReady === true,
        undefined,
        { timeout: 60_000 },
      );
      const result = await page.evaluate(
        (req) => (globalThis as unknown as { benchRun: (r: PageRequest) => Promise<PageResult> }).benchRun(req),
        job.request,
      );
      out.push({ job, result });
      await page.close();
    }
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
