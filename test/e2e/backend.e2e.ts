import { afterEach, describe, expect, it } from 'vitest';
import { baseUrl, launch, type Launched } from './browser.ts';

let b: Launched | undefined;
afterEach(async () => {
  await b?.close();
  b = undefined;
});

describe('backend badge in Chromium', () => {
  it('reads WebGPU with a passed self-test when the settings ask for it and Chromium has --enable-unsafe-webgpu', async () => {
    b = await launch('swiftshader');
    await b.page.goto(`${baseUrl()}?v=1&backend=webgpu`);
    const badge = b.page.getByRole('status', { name: 'Backend' });
    await expect.poll(async () => badge.getAttribute('data-backend'), { timeout: 60_000 }).toBe('webgpu');
    expect(await badge.getAttribute('data-selftest')).toBe('passed');
    await expect.poll(() => badge.textContent()).toMatch(/^WebGPU · .+ · as set · self-test passed$/);
    expect(await badge.getAttribute('title')).toContain('Chosen in the settings (Backend).');
    if (process.env.E2E_SCREENSHOTS)
      await b.page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/badge-webgpu.png` });
  });

  it('auto on SwiftShader: times a training step on WebGPU and wasm, keeps the faster and says why', async () => {
    b = await launch('swiftshader');
    await b.page.goto(baseUrl()); // the default setting is auto
    const badge = b.page.getByRole('status', { name: 'Backend' });
    await expect
      .poll(async () => badge.textContent(), { timeout: 60_000 })
      .toMatch(/^WebGPU · SwiftShader.*: timing a training step against wasm…$/);
    await expect.poll(async () => badge.getAttribute('data-backend'), { timeout: 240_000 }).toMatch(/^(wasm|webgpu)$/);
    const text = (await badge.textContent())!;
    const title = (await badge.getAttribute('title'))!;
    // Both backends were timed on a real RL step of the default preset, at 1 prompt and at 4 (a
    // software adapter is always timed at the second batch).
    const steps = [...title.matchAll(/One RL step at (\d+) prompts?: WebGPU ([\d.]+) (ms|s), wasm ([\d.]+) (ms|s)/g)];
    expect(steps.map((m) => Number(m[1]))).toEqual([1, 4]);
    const ms = (v: string, unit: string) => Number(v) * (unit === 's' ? 1000 : 1);
    const [, , g, gu, w, wu] = steps[1];
    if (ms(w, wu) < ms(g, gu) / 1.1) {
      expect(await badge.getAttribute('data-backend')).toBe('wasm');
      expect(text).toMatch(
        /^wasm( \(\d threads\))?: [\d.]+x faster than WebGPU on SwiftShader here · self-test passed$/,
      );
    } else expect(await badge.getAttribute('data-backend')).toBe('webgpu');
    expect(title).toContain('Backend setting auto: the faster of WebGPU and wasm for this run, measured.');
    if (process.env.E2E_SCREENSHOTS) await b.page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/badge-auto.png` });
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
