/**
 * The grounding view in Chromium on WebGPU (SwiftShader): train a tiny run, open a pair, and see
 * the heat map over C+ and C- with the decisive span outlined and the decisive share shown; move
 * the checkpoint slider; grounding/decisive_share is charted with the other curves.
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
async function panelShot(name: string, panel: string) {
  if (!shots || !b) return;
  const region = b.page.getByRole('region', { name: panel, exact: true });
  await region.scrollIntoViewIfNeeded();
  await region.screenshot({ path: `${shots}/${name}.png` });
}

// Tiny, with enough pairs and a high enough rate that the RL steps move the weights.
const TINY =
  'v=1&backend=webgpu&method=contextrl&steps=4&evalEvery=2&batchSize=4&groupSize=2&pairShare=0.5&lambda=5&learningRate=0.003&warmStartSteps=2&evalItems=4&probePairs=4&seed=3';

describe('grounding view in Chromium on WebGPU', () => {
  it('shows the heat map with the decisive span outlined, the score, and a checkpoint slider', async () => {
    b = await launch('swiftshader');
    const page = b.page;
    await page.goto(`${baseUrl()}?${TINY}`);
    const badge = page.getByRole('status', { name: 'Backend' });
    await expect.poll(() => badge.getAttribute('data-backend'), { timeout: 120_000 }).toBe('webgpu');
    const grounding = page.getByRole('region', { name: 'Grounding', exact: true });
    await expect.poll(() => grounding.textContent()).toMatch(/Start a run/);

    // Step once (a checkpoint when it pauses), then run to the end (another at done).
    const state = page.getByRole('status', { name: 'Run state' });
    await page.getByRole('button', { name: /^Step/ }).click();
    await expect.poll(() => state.textContent(), { timeout: 240_000 }).toBe('paused');
    await page.getByRole('button', { name: /^(Start|Resume)/ }).click();
    await expect.poll(() => state.textContent(), { timeout: 400_000 }).toBe('done');

    // Open a hard pair in the inspector: the grounding view follows it.
    const inspector = page.getByRole('region', { name: 'Pair inspector' });
    await inspector.getByLabel('Hardness').selectOption('hard');
    await inspector.getByRole('list', { name: 'Pairs' }).getByRole('button').first().click();

    const cplus = grounding.getByLabel('C+ heat map').first();
    const cminus = grounding.getByLabel('C− heat map').first();
    await expect.poll(() => cplus.count(), { timeout: 120_000 }).toBe(1);
    expect(await cminus.count()).toBe(1);
    // The decisive span is outlined in both contexts, and the heat reaches its maximum somewhere in them.
    expect(await cplus.locator('[data-decisive="true"]').count()).toBeGreaterThan(0);
    expect(await cminus.locator('[data-decisive="true"]').count()).toBeGreaterThan(0);
    expect(await grounding.locator('mark[data-heat="1.000"], rect[data-heat="1.000"]').count()).toBe(1);
    const outline = await cplus
      .locator('[data-decisive="true"]')
      .first()
      .evaluate((el) => getComputedStyle(el).outlineStyle);
    expect(outline).toBe('solid');
    const share = grounding.getByLabel('Decisive share').first();
    await expect.poll(() => share.textContent()).toMatch(/^\d+\.\d%$/);
    await panelShot('grounding-latest', 'Grounding');

    // The slider visits the earlier checkpoint; the heat is recomputed there.
    const slider = grounding.getByRole('slider', { name: /^Checkpoint of / });
    const max = Number(await slider.getAttribute('max'));
    expect(max).toBeGreaterThanOrEqual(1);
    const before = await grounding.locator('output').textContent();
    await slider.fill('0');
    await expect.poll(() => grounding.locator('output').textContent()).not.toBe(before);
    await expect.poll(() => cplus.count(), { timeout: 120_000 }).toBe(1);
    await expect.poll(() => share.textContent()).toMatch(/^\d+\.\d%$/);
    await panelShot('grounding-first-checkpoint', 'Grounding');

    // Attention rollout instead of gradient x input.
    await grounding.getByLabel('Attribution method').selectOption('rollout');
    await expect.poll(() => cplus.count(), { timeout: 120_000 }).toBe(1);
    await expect.poll(() => share.textContent()).toMatch(/^\d+\.\d%$/);
    await panelShot('grounding-rollout', 'Grounding');

    // A second run (grpo) beside the first on the same pair.
    await grounding.getByLabel('Attribution method').selectOption('grad-input');
    await page.getByLabel('Method', { exact: true }).selectOption('grpo');
    await page.getByRole('button', { name: /^Start/ }).click();
    await expect.poll(() => state.textContent(), { timeout: 400_000 }).toBe('done');
    await grounding.getByLabel('Compare with').selectOption({ index: 1 });
    const columns = grounding.getByRole('region', { name: /^Grounding of #/ });
    await expect.poll(() => columns.count(), { timeout: 120_000 }).toBe(2);
    if (shots) await grounding.screenshot({ path: `${shots}/grounding-two-runs-early.png` });
    for (const i of [0, 1])
      await expect.poll(() => columns.nth(i).getByLabel('C+ heat map').count(), { timeout: 120_000 }).toBe(1);
    await expect.poll(() => grounding.getByLabel('Decisive share', { exact: true }).count()).toBe(2);
    await panelShot('grounding-two-runs', 'Grounding');

    // grounding/decisive_share is charted with the other curves, in the group 'Where the model looks'.
    const group = page.getByRole('region', { name: 'Where the model looks', exact: true });
    const toggle = group.getByRole('button', { name: /Where the model looks/ });
    if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
    const chart = page.getByRole('figure', { name: 'grounding/decisive_share', exact: true });
    await expect
      .poll(async () => Number((await chart.getAttribute('data-points')) ?? 0), { timeout: 30_000 })
      .toBeGreaterThan(0);
    await chart.scrollIntoViewIfNeeded();
    if (shots) await chart.screenshot({ path: `${shots}/grounding-curve.png` });
    expect(b.logs.filter((l) => l.startsWith('[pageerror]'))).toEqual([]);
  }, 900_000);
});
