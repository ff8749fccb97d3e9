import { afterEach, describe, expect, it } from 'vitest';
import { baseUrl, launch, type Launched } from './browser.ts';

let b: Launched | undefined;
afterEach(async () => {
  await b?.close();
  b = undefined;
});

describe('backend badge in Chromium', () => {
  it('reads WebGPU with a passed self-test when Chromium has --enable-unsafe-webgpu', async () => {
    b = await launch('swiftshader');
    await b.page.goto(baseUrl());
    const badge = b.page.getByRole('status', { name: 'Backend' });
    await expect.poll(async () => badge.getAttribute('data-backend'), { timeout: 60_000 }).toBe('webgpu');
    expect(await badge.getAttribute('data-selftest')).toBe('passed');
    await expect.poll(() => badge.textContent()).toMatch(/^WebGPU · .+self-test passed$/);
    if (process.env.E2E_SCREENSHOTS)
      await b.page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/badge-webgpu.png` });
  });

  it('falls back to wasm and says why when WebGPU is unavailable', async () => {
    b = await launch('none');
    await b.page.goto(baseUrl());
    const badge = b.page.getByRole('status', { name: 'Backend' });
    await expect.poll(async () => badge.getAttribute('data-backend'), { timeout: 60_000 }).toBe('wasm');
    const text = await badge.textContent();
    // The page is cross-origin isolated (vite.config.ts), so wasm runs one thread per core, up to 4.
    const { isolated, cores } = await b.page.evaluate(() => ({
      isolated: crossOriginIsolated,
      cores: navigator.hardwareConcurrency,
    }));
    expect(isolated).toBe(true);
    const threads = Math.min(4, cores);
    expect(text).toMatch(
      new RegExp(
        `^wasm${threads > 1 ? ` \\(${threads} threads\\)` : ''}: WebGPU unavailable: (no adapter|no navigator\\.gpu)`,
      ),
    );
    expect(await badge.getAttribute('data-selftest')).toBe('passed');
    if (process.env.E2E_SCREENSHOTS) await b.page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/badge-wasm.png` });
  });
});
