/**
 * Reliability in Chromium against the built app: the Content-Security-Policy (served, trained
 * under, inline script blocked), links with bad values (a banner names each, the page stays), a
 * worker terminated mid-run (the heartbeat notices; the run continues from its checkpoint), a big
 * pairs file (parsed off the main thread with a progress bar; the list stays small) and a sample
 * of the hostile pair files of test/hostile.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { baseUrl, launch, type Launched } from './browser.ts';
import { hostilePairFiles } from '../hostile/inputs.ts';

let b: Launched | undefined;
afterEach(async () => {
  if (b && process.env.E2E_DEBUG) console.log(b.logs.join('\n'));
  await b?.close();
  b = undefined;
});

const shots = process.env.E2E_SCREENSHOTS;
const stepOf = (t: string) => Number(/step (\d+)/.exec(t)?.[1] ?? NaN);
const TINY = 'steps=6&evalEvery=0&batchSize=2&groupSize=2&evalItems=4&probePairs=4&seed=3';

describe('Content-Security-Policy', () => {
  it('is served with COOP/COEP and in the built page; the lab trains under it; injected inline script is blocked', async () => {
    const res = await fetch(baseUrl());
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    expect(csp).toContain("object-src 'none'");
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const html = await res.text();
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src &#39;self&#39;/);
    // Worker scripts may also run blob: scripts (tfjs's wasm threads); the page may not.
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1];
    const js = await fetch(new URL(script, baseUrl()));
    expect(js.headers.get('content-security-policy')).toContain("script-src 'self' 'wasm-unsafe-eval' blob:");
    expect(csp).not.toMatch(/script-src[^;]*blob:/);

    b = await launch('none'); // wasm: its module compile needs 'wasm-unsafe-eval', its threads a blob worker
    const page = b.page;
    await page.goto(`${baseUrl()}?v=1&${TINY}`);
    const badge = page.getByRole('status', { name: 'Backend' });
    await expect.poll(() => badge.getAttribute('data-backend'), { timeout: 120_000 }).toBe('wasm');
    expect(await badge.textContent()).toMatch(/threads/);
    await page.getByRole('button', { name: /^Start/ }).click();
    const details = page.getByLabel('Progress details');
    await expect.poll(async () => stepOf((await details.textContent()) ?? ''), { timeout: 300_000 }).toBeGreaterThan(2);

    const blocked = await page.evaluate(async () => {
      const w = window as unknown as { injected?: number };
      const violations: string[] = [];
      document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
      const s = document.createElement('script');
      s.textContent = 'window.injected = 1';
      document.body.appendChild(s);
      const img = document.createElement('img');
      img.setAttribute('src', 'x');
      img.setAttribute('onerror', 'window.injected = 2');
      document.body.appendChild(img);
      await new Promise((r) => setTimeout(r, 300));
      return { injected: w.injected ?? null, violations };
    });
    expect(blocked.injected).toBeNull();
    expect(blocked.violations).toEqual(expect.arrayContaining([expect.stringMatching(/^script-src/)]));
    // The lab itself caused no violation.
    const refused = b.logs.filter((l) => /Content Security Policy|Refused to/i.test(l));
    expect(refused.every((l) => /inline|injected|onerror/i.test(l))).toBe(true);
    expect(b.logs.filter((l) => /pageerror/.test(l))).toEqual([]);
  }, 600_000);
});

describe('links with values the lab cannot use', () => {
  it.each([
    ['v=1&domain=bogus', 'domain must be one of trace, document, image (got "bogus")'],
    ['v=1&domain=%3Cscript%3Ealert(1)%3C%2Fscript%3E', 'got "<script>alert(1)</script>"'],
    ['v=1&constructor=1', 'unknown setting "constructor" ignored'],
    ['preset=bogus', 'unknown preset "bogus": using trace-default'],
    ['v=1&probePairs=100000', 'probePairs must be an integer in [0, 1000] (got 100000)'],
  ])(
    '?%s: a banner names the value, the page works, a reload does not blank it',
    async (query, named) => {
      b ??= await launch('none');
      const page = b.page;
      for (let load = 0; load < 2; load++) {
        if (load === 0) await page.goto(`${baseUrl()}?${query}`);
        else await page.reload();
        const banner = page.getByRole('alert').filter({ hasText: 'Some settings in the link were not used' });
        if (load === 0) {
          await expect.poll(() => banner.count(), { timeout: 30_000 }).toBe(1);
          expect(await banner.textContent()).toContain(named);
        }
        await expect.poll(() => page.getByRole('button', { name: /^Start/ }).count(), { timeout: 30_000 }).toBe(1);
        expect(await page.getByRole('heading', { name: 'Reward curves' }).count()).toBe(1);
        expect(await page.evaluate(() => (window as { alerted?: boolean }).alerted ?? null)).toBeNull();
      }
      if (shots) await page.screenshot({ path: `${shots}/url-${query.replace(/[^a-z]+/gi, '-')}.png` });
      expect(b.logs.filter((l) => /pageerror/.test(l))).toEqual([]);
      await b.close();
      b = undefined;
    },
    120_000,
  );
});

describe('a worker that hangs mid-run', () => {
  it('a stuck worker is noticed by the heartbeat; a new worker continues the run from its last checkpoint', async () => {
    b = await launch('swiftshader');
    const page = b.page;
    // 400 steps: a fast machine must not finish the run before the worker hangs.
    await page.goto(
      `${baseUrl()}?v=1&backend=webgpu&steps=400&evalEvery=0&batchSize=2&groupSize=2&evalItems=4&probePairs=4&seed=7`,
    );
    await expect
      .poll(() => page.getByRole('status', { name: 'Backend' }).getAttribute('data-backend'), { timeout: 120_000 })
      .toBe('webgpu');
    await page.getByRole('button', { name: /^Start/ }).click();
    const details = page.getByLabel('Progress details');
    // The details line is re-rendered as progress arrives: read it without waiting for it.
    const progress = async () => (await details.textContent({ timeout: 1000 }).catch(() => '')) ?? '';
    await expect.poll(async () => stepOf(await progress()), { timeout: 400_000, interval: 250 }).toBeGreaterThan(27);
    const crashedAt = stepOf(await progress());
    const worker = page.workers().find((w) => /\/worker-[^/]*\.js/.test(w.url()));
    expect(
      worker,
      page
        .workers()
        .map((w) => w.url())
        .join(', '),
    ).toBeDefined();
    // The worker hangs: a task that never yields. (self.close() is no test: Chromium lets the
    // closing worker finish its run first.) Nothing reaches the page, no error, only silence.
    await worker!.evaluate(() => {
      setTimeout(() => {
        for (;;) {
          /* stuck */
        }
      }, 0);
    });
    const notice = page.getByRole('alert').filter({ hasText: 'stopped answering' });
    await expect.poll(() => notice.count(), { timeout: 150_000 }).toBeGreaterThan(0);
    const texts = await notice.allTextContents();
    expect(texts.join(' | ')).toMatch(
      /so a new one was started\. The run continues from its last checkpoint \(step \d+\)/,
    );
    const after: number[] = [];
    await expect
      .poll(
        async () => {
          const s = stepOf(await progress());
          if (Number.isFinite(s)) after.push(s);
          return s >= Math.max(35, crashedAt + 3);
        },
        { timeout: 300_000, interval: 100 },
      )
      .toBe(true);
    expect(Math.min(...after)).toBeGreaterThanOrEqual(25);
    if (shots) await page.screenshot({ path: `${shots}/worker-heartbeat.png`, fullPage: true });
    expect(b.logs.filter((l) => /pageerror/.test(l))).toEqual([]);
  }, 900_000);
});

describe('pairs files', () => {
  it('a 100,000-line file is parsed off the main thread with progress; the list renders a window of it', async () => {
    const row = (i: number) =>
      JSON.stringify({
        id: `p${i}`,
        domain: 'trace',
        query: 'final c',
        answer: '7',
        negative_answer: '3',
        positive: `c=3 ; ${'x=1 ; '.repeat(40)}c=7`,
        negative: `c=7 ; ${'x=1 ; '.repeat(40)}c=3`,
      });
    const text = Array.from({ length: 100_000 }, (_, i) => row(i)).join('\n') + '\n';
    b = await launch('none');
    const page = b.page;
    await page.goto(`${baseUrl()}?v=1`);
    await expect.poll(() => page.getByRole('button', { name: /^Start/ }).count(), { timeout: 60_000 }).toBe(1);
    // The longest gap between animation frames while the file is read: how long the page did not answer.
    await page.evaluate(() => {
      const w = window as unknown as { maxGap: number; watching: boolean };
      w.maxGap = 0;
      w.watching = true;
      let last = performance.now();
      const tick = () => {
        const now = performance.now();
        w.maxGap = Math.max(w.maxGap, now - last);
        last = now;
        if (w.watching) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      // The progress line may come and go between two polls on a fast machine: watch for it.
      const seen = window as unknown as { sawProgress?: boolean };
      new MutationObserver((_, obs) => {
        if (document.querySelector('[role="status"][aria-label="Import progress"]')) {
          seen.sawProgress = true;
          obs.disconnect();
        }
      }).observe(document.body, { childList: true, subtree: true });
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'crl-big-'));
    const file = path.join(dir, 'big.jsonl');
    writeFileSync(file, text);
    await page.getByLabel('Import pairs (JSONL)').setInputFiles(file);
    // The file is read in the pairs worker, after the picker returns: it stays until the import ends.
    await expect
      .poll(() => page.getByRole('option', { name: 'imported: big.jsonl' }).count(), { timeout: 300_000 })
      .toBe(1);
    rmSync(dir, { recursive: true, force: true });
    expect(await page.evaluate(() => (window as unknown as { sawProgress?: boolean }).sawProgress)).toBe(true);
    const maxGap = await page.evaluate(() => {
      const w = window as unknown as { maxGap: number; watching: boolean };
      w.watching = false;
      return w.maxGap;
    });
    console.log(
      `100,000-line import (${(text.length / 1e6).toFixed(1)} MB): longest frame gap ${maxGap.toFixed(0)} ms`,
    );
    expect(await page.getByText('100000 of 100000 pairs').count()).toBe(1);
    const items = await page.getByRole('list', { name: 'Pairs' }).getByRole('listitem').count();
    expect(items).toBeLessThan(40);
    expect(maxGap).toBeLessThan(5000); // was 80 s; the figure is printed above
    if (shots) await page.screenshot({ path: `${shots}/big-import.png`, fullPage: false });
  }, 600_000);

  it('hostile pair files get their errors listed, run nothing and leave the page working', async () => {
    b = await launch('none');
    const page = b.page;
    await page.goto(`${baseUrl()}?v=1`);
    await expect.poll(() => page.getByRole('button', { name: /^Start/ }).count(), { timeout: 60_000 }).toBe(1);
    for (const f of hostilePairFiles().filter((x) => x.browser)) {
      await page.getByLabel('Import pairs (JSONL)').setInputFiles({
        name: `${f.name}.jsonl`,
        mimeType: 'text/plain',
        buffer: Buffer.from(f.bytes()),
      });
      await expect
        .poll(() => page.getByRole('option', { name: `imported: ${f.name}.jsonl` }).count(), { timeout: 60_000 })
        .toBe(1);
      const errors = page.getByRole('alert', { name: 'Import errors' });
      if (f.expect.errors.length) {
        await expect.poll(() => errors.count(), { timeout: 30_000 }).toBe(1);
        const t = (await errors.textContent()) ?? '';
        for (const e of f.expect.errors) expect(t, f.name).toContain(e.message);
      }
      expect(await page.evaluate(() => (window as { pwned?: unknown }).pwned ?? null), f.name).toBeNull();
    }
    expect(await page.getByRole('heading', { name: 'Reward curves' }).count()).toBe(1);
    expect(b.logs.filter((l) => /pageerror/.test(l))).toEqual([]);
  }, 300_000);
});
