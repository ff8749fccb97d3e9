/**
 * The document and image presets start from their bundled base models (public/models/*.ckpt) in
 * Chromium on WebGPU: the run goes straight to the RL phase (no warm-start from scratch) and steps.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { baseUrl, launch, type Launched } from './browser.ts';

let b: Launched | undefined;
afterEach(async () => {
  if (b && process.env.E2E_DEBUG) console.log(b.logs.join('\n'));
  await b?.close();
  b = undefined;
});

const shots = process.env.E2E_SCREENSHOTS;
const SMALL = 'backend=webgpu&steps=3&evalEvery=0&batchSize=2&groupSize=2&evalItems=4&probePairs=4&seed=5';

describe('bundled base models in the browser', () => {
  for (const preset of ['document-default', 'image-default']) {
    it(`${preset} trains from its bundled base model`, async () => {
      b = await launch('swiftshader');
      const page = b.page;
      await page.goto(`${baseUrl()}?v=1&preset=${preset}&${SMALL}`);
      const badge = page.getByRole('status', { name: 'Backend' });
      await expect.poll(() => badge.getAttribute('data-backend'), { timeout: 120_000 }).toBe('webgpu');
      await expect.poll(() => page.getByLabel('RL steps').inputValue()).toBe('3');
      await page.getByRole('button', { name: /^Start/ }).click();
      const details = page.getByLabel('Progress details');
      const seen: string[] = [];
      await expect
        .poll(
          async () => {
            const t = (await details.textContent()) ?? '';
            seen.push(t);
            return /^rl · step [1-9]/.test(t);
          },
          { timeout: 240_000, interval: 250 },
        )
        .toBe(true);
      if (shots) await page.screenshot({ path: `${shots}/${preset}.png`, fullPage: true });
      // A bundled base model skips the supervised warm start from scratch.
      expect(seen.filter((t) => t.startsWith('warm-start'))).toEqual([]);
      expect(b.logs.filter((l) => /bad magic|checksum|vocabulary/i.test(l))).toEqual([]);
    });
  }
});
