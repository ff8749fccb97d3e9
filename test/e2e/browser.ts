/** Launches Debian's Chromium through playwright-core, with or without WebGPU. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

/** The Chromium binary: $CHROMIUM_PATH, else the first of the usual places; throws with install help. */
export function findChromium(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      "No Chromium found for the end-to-end tests. Install Debian's: `apt-get install -y chromium` " +
        '(or set CHROMIUM_PATH to a Chromium/Chrome binary). The e2e tests are never skipped silently.',
    );
  }
  return found;
}

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

export type GpuMode = 'swiftshader' | 'gles' | 'none';

export function chromiumArgs(gpu: GpuMode): string[] {
  if (gpu === 'swiftshader') return [...QUIET, '--enable-unsafe-webgpu'];
  if (gpu === 'gles')
    return [
      ...QUIET,
      '--enable-unsafe-webgpu',
      '--use-webgpu-adapter=opengles',
      '--enable-features=WebGPUCompatibilityMode',
      '--use-gl=angle',
      '--use-angle=gl-egl',
    ];
  return QUIET;
}

export interface Launched {
  context: BrowserContext;
  page: Page;
  close: () => Promise<void>;
  logs: string[];
}

export async function launch(gpu: GpuMode): Promise<Launched> {
  const dir = mkdtempSync(path.join(tmpdir(), 'crl-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: findChromium(),
    headless: true,
    args: chromiumArgs(gpu),
    viewport: { width: 1400, height: 1000 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const logs: string[] = [];
  page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
  return {
    context,
    page,
    logs,
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function baseUrl(): string {
  const u = process.env.E2E_BASE_URL;
  if (!u)
    throw new Error(
      'E2E_BASE_URL is not set: run the e2e tests through `npm run test:e2e` (it builds and serves the app).',
    );
  return u;
}
