/**
 * A worker that dies mid-run: the page moves training to the main thread, says so once, and the
 * run continues from its last checkpoint (posted every 25 steps) instead of starting over.
 * The crash is real: an uncaught exception thrown inside the trainer's worker.
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
// Long enough that a fast machine cannot finish the run before the crash (a finished run has nothing to resume).
const RUN = 'backend=webgpu&steps=400&evalEvery=0&batchSize=2&groupSize=2&evalItems=4&probePairs=4&seed=7';
const stepOf = (t: string) => Number(/step (\d+)/.exec(t)?.[1] ?? NaN);

describe('worker crash', () => {
  it('moves training to the main thread and resumes from the last checkpoint', async () => {
    b = await launch('swiftshader');
    const page = b.page;
    await page.goto(`${baseUrl()}?v=1&preset=trace-default&${RUN}`);
    const badge = page.getByRole('status', { name: 'Backend' });
    await expect.poll(() => badge.getAttribute('data-backend'), { timeout: 120_000 }).toBe('webgpu');
    await expect.poll(() => page.getByLabel('RL steps').inputValue()).toBe('400');
    await page.getByRole('button', { name: /^Start/ }).click();
    const details = page.getByLabel('Progress details');
    // Past step 25, so the worker has posted a checkpoint.
    await expect
      .poll(async () => stepOf((await details.textContent()) ?? ''), { timeout: 300_000, interval: 250 })
      .toBeGreaterThan(27);
    const crashedAt = stepOf((await details.textContent()) ?? '');
    const worker = page.workers().find((w) => w.url().includes('worker'));
    expect(worker, 'the trainer runs in a Web Worker').toBeDefined();
    await worker!.evaluate(() => {
      setTimeout(() => {
        throw new Error('e2e: simulated worker crash');
      }, 0);
    });

    const notice = page.getByRole('alert').filter({ hasText: 'Training moved to the main thread' });
    // The notice shows as a banner and as the run's message: each says where the run continues from.
    await expect.poll(() => notice.count(), { timeout: 60_000 }).toBeGreaterThan(0);
    for (const t of await notice.allTextContents())
      expect(t).toMatch(/continues from its last checkpoint \(step \d+\)/);
    // Resumed from the step-25 checkpoint, not from 0: the first step seen after the crash is past 25.
    const after: number[] = [];
    await expect
      .poll(
        async () => {
          const s = stepOf((await details.textContent()) ?? '');
          if (Number.isFinite(s)) after.push(s);
          return s >= crashedAt + 3;
        },
        { timeout: 300_000, interval: 100 },
      )
      .toBe(true);
    expect(Math.min(...after)).toBeGreaterThanOrEqual(25);
    // The page still says where training runs now (a banner, not the run's transient message).
    const banner = page.getByRole('alert').filter({ hasText: 'Training moved to the main thread' });
    expect(await banner.count()).toBeGreaterThanOrEqual(1);
    if (shots) await page.screenshot({ path: `${shots}/worker-fallback.png`, fullPage: true });
    expect(b.logs.filter((l) => /pageerror/.test(l))).toEqual([]);
  }, 600_000);
});
