/**
 * The panels driven as a person would, by role and label, against the built app on WebGPU
 * (SwiftShader): start a tiny run, watch curves grow, pause, open a pair, read the selection
 * panel, and restore the same configuration from the copied URL on a new page.
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
async function shot(name: string, fullPage = false) {
  if (shots && b) await b.page.screenshot({ path: `${shots}/${name}.png`, fullPage });
}
async function panelShot(name: string, panel: string) {
  if (!shots || !b) return;
  const region = b.page.getByRole('region', { name: panel, exact: true });
  await region.scrollIntoViewIfNeeded();
  await region.screenshot({ path: `${shots}/${name}.png` });
}

// Tiny: a few RL steps on a short warm start, evaluated every 2 steps on a handful of items.
const TINY =
  'v=1&backend=webgpu&steps=12&evalEvery=2&batchSize=2&groupSize=4&warmStartSteps=2&evalItems=8&probePairs=8&seed=3';

describe('panels in Chromium on WebGPU', () => {
  it('trains, pauses, inspects a pair and restores the config from the URL', async () => {
    b = await launch('swiftshader');
    const page = b.page;
    await page.goto(`${baseUrl()}?${TINY}`);
    const badge = page.getByRole('status', { name: 'Backend' });
    await expect.poll(() => badge.getAttribute('data-backend'), { timeout: 120_000 }).toBe('webgpu');
    await expect.poll(() => page.getByLabel('RL steps').inputValue()).toBe('12');
    await shot('panels-empty', true);

    // Record every text the progress line shows (the shader warm-up notice lasts one step).
    await page.evaluate(() => {
      const el = document.querySelector('[aria-label="Progress details"]') as HTMLElement;
      const seen: string[] = [];
      (window as unknown as { progressTexts: string[] }).progressTexts = seen;
      new MutationObserver(() => seen.push(el.textContent ?? '')).observe(el, {
        childList: true,
        subtree: true,
        characterData: true,
      });
    });
    await page.getByRole('button', { name: /^Start/ }).click();
    const reward = page.getByRole('figure', { name: 'reward', exact: true });
    await expect
      .poll(async () => Number((await reward.getAttribute('data-points')) ?? 0), { timeout: 240_000 })
      .toBeGreaterThan(0);
    const first = Number(await reward.getAttribute('data-points'));
    await expect
      .poll(async () => Number((await reward.getAttribute('data-points')) ?? 0), { timeout: 240_000 })
      .toBeGreaterThan(first);
    const texts = await page.evaluate(() => (window as unknown as { progressTexts: string[] }).progressTexts);
    // The run starts from the bundled base model (no warm-start phase): before its first RL step the
    // worker compiles the RL phase's shaders (compile-only mode), counting them up to the total.
    const firstStep = texts.findIndex((t) => t.startsWith('rl · step 1 / 12'));
    const counts = texts
      .slice(0, firstStep)
      .map((t) => /^compiling WebGPU shaders for the rl phase: (\d+) \/ (\d+) · step 0 \/ 12/.exec(t))
      .filter((m) => m !== null)
      .map((m) => [Number(m[1]), Number(m[2])]);
    expect(counts.length).toBeGreaterThan(0);
    const [done, total] = counts.at(-1)!;
    expect(total).toBeGreaterThan(10);
    expect(done).toBe(total);
    await shot('panels-running', true);

    const state = page.getByRole('status', { name: 'Run state' });
    if ((await state.textContent()) !== 'done') {
      await page.getByRole('button', { name: /^Pause/ }).click();
      await expect.poll(() => state.textContent(), { timeout: 120_000 }).toMatch(/paused|done/);
    }
    await panelShot('panel-curves', 'Reward curves');
    await panelShot('panel-configuration', 'Configuration');

    // Open the hardest distractor from the selection panel and read the model's choice.
    const selection = page.getByRole('region', { name: 'Selection', exact: true });
    await expect
      .poll(() => selection.getByRole('list', { name: /Hardest distractors/ }).count(), { timeout: 240_000 })
      .toBe(1);
    await selection
      .getByRole('list', { name: /Hardest distractors/ })
      .getByRole('button')
      .first()
      .click();
    const chosen = selection.getByLabel('Chosen context');
    const choice = await chosen.textContent();
    expect(choice).toMatch(/^[AB] = C[+−] \((right|wrong)\)$/);
    const margin = selection.getByLabel('Margin', { exact: true });
    expect(await margin.textContent()).toMatch(/^-?[\d.e+-]+$/);
    // Delta = logit(C+) - logit(C-): positive exactly when the model chose C+.
    expect(Number(await margin.getAttribute('data-delta')) > 0).toBe(choice!.includes('right'));
    const pA = parseFloat((await selection.getByLabel('P(A)', { exact: true }).textContent())!);
    const pB = parseFloat((await selection.getByLabel('P(B)', { exact: true }).textContent())!);
    expect(pA + pB).toBeGreaterThan(0);
    expect(choice!.startsWith(pA >= pB ? 'A' : 'B')).toBe(true);
    await panelShot('panel-selection', 'Selection');
    await panelShot('panel-rollouts', 'Rollouts');

    // The same pair in the inspector, C+ and C- side by side with the difference marked.
    const inspector = page.getByRole('region', { name: 'Pair inspector' });
    await expect.poll(() => inspector.getByRole('article').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => inspector.locator('mark[data-changed]').count()).toBeGreaterThan(0);
    await panelShot('panel-inspector', 'Pair inspector');
    await panelShot('panel-comparison', 'Comparison');
    await panelShot('panel-export', 'Runs and export');

    // The URL holds the config; a new page restores it.
    const url = page.url();
    expect(url).toContain('steps=12');
    const page2 = await b.context.newPage();
    await page2.goto(url);
    await expect.poll(() => page2.getByLabel('RL steps').inputValue()).toBe('12');
    expect(await page2.getByLabel('Seed', { exact: true }).inputValue()).toBe('3');
    expect(await page2.getByLabel('G (group size)').inputValue()).toBe('4');
    // The run itself survived too (IndexedDB): it is listed on the new page with its curves.
    const runs = page2.getByRole('list', { name: 'Runs' });
    await expect.poll(() => runs.getByRole('listitem').count(), { timeout: 30_000 }).toBe(1);
    expect(await runs.textContent()).toMatch(/#1 contextrl · seed 3/);
    await expect
      .poll(async () =>
        Number((await page2.getByRole('figure', { name: 'reward', exact: true }).getAttribute('data-points')) ?? 0),
      )
      .toBeGreaterThan(0);
    await page2.close();
  });

  it('shows inline validation and a guided preset', async () => {
    b = await launch('none');
    const page = b.page;
    await page.goto(baseUrl());
    await page.getByLabel('G (group size)').fill('1');
    const alert = page.getByRole('region', { name: 'Configuration' }).getByRole('alert').first();
    expect(await alert.textContent()).toBe('groupSize must be an integer in [2, 64] (got 1)');
    expect(await page.getByRole('button', { name: /^Start/ }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Why hard distractors matter' }).click();
    expect(await page.getByLabel('G (group size)').inputValue()).toBe('4');
    await expect.poll(() => page.getByLabel('What to watch').count()).toBe(1);
    await panelShot('panel-guided', 'Guided presets');
    const inspector = page.getByRole('region', { name: 'Pair inspector' });
    await inspector
      .getByRole('button', { name: /^Open pair/ })
      .first()
      .click();
    await expect.poll(() => inspector.locator('mark[data-decisive]').count()).toBeGreaterThan(0);
    await panelShot('panel-inspector-idle', 'Pair inspector');

    // Image pairs: C+ and C- drawn to canvases with the difference mask and a zoom.
    await page.getByLabel('Domain', { exact: true }).first().selectOption('image');
    const pairSet = inspector.getByLabel('Pair set');
    await expect
      .poll(() => pairSet.locator('option', { hasText: 'image sample' }).count(), { timeout: 60_000 })
      .toBe(1);
    await pairSet.selectOption({ label: 'image sample (seed 0)' });
    await inspector
      .getByRole('button', { name: /^Open pair/ })
      .first()
      .click();
    await expect.poll(() => inspector.getByRole('img', { name: 'Difference mask' }).count()).toBe(1);
    await panelShot('panel-inspector-image', 'Pair inspector');
  });
});
