/**
 * Runs survive a closed tab: a tiny run's tab closes mid-training (no pause, so only the last
 * checkpoint, every 25 steps, is stored); opened again, the run comes back paused at the step it reached, resumes from the checkpoint
 * saying how many steps it trains again, and its metric rows and evaluations after the checkpoint
 * equal those of the same run trained without interruption. Imports: a run file exported from the
 * page comes back as a new run that survives a reload; files of another kind or malformed run files
 * get a message naming the file and the field, and the page stays as it was.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { baseUrl, launch, type Launched } from './browser.ts';

let b: Launched | undefined;
afterEach(async () => {
  if (b && process.env.E2E_DEBUG) console.log(b.logs.join('\n'));
  await b?.close();
  b = undefined;
});

const shots = process.env.E2E_SCREENSHOTS;
// 100 steps: a fast page must not finish the run before the tab crashes (a checkpoint every 25 steps).
const N = 100;
const RUN = `v=1&backend=wasm&steps=${N}&batchSize=2&groupSize=2&evalItems=4&probePairs=4&evalEvery=10&seed=5`;
const stepOf = (t: string) => Number(/step (\d+) \//.exec(t)?.[1] ?? NaN);

type Row = Record<string, number>;
interface Stored {
  runs: { id: string; createdAt: number; step: number; state: string; checkpointStep?: number }[];
  rows: Record<string, Row[]>;
  evals: Record<string, { step: number; accuracies: Record<string, number> }[]>;
}

/**
 * What IndexedDB holds, read in the training worker when there is one: on a loaded machine the
 * page's main thread can lag far behind training (it renders every step), while the worker answers
 * between two steps. The page is read once training has stopped.
 */
async function stored(page: Page): Promise<Stored> {
  const read = async (): Promise<Stored> => {
    const db: IDBDatabase = await new Promise((res, rej) => {
      const r = indexedDB.open('contextrl-lab');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const all = <T>(store: string): Promise<T[]> =>
      new Promise((res, rej) => {
        const r = db.transaction(store).objectStore(store).getAll();
        r.onsuccess = () => res(r.result as T[]);
        r.onerror = () => rej(r.error);
      });
    const runs = (await all<Stored['runs'][number]>('runs')).sort((a, x) => a.createdAt - x.createdAt);
    const batches = (await all<{ runId: string; seq: number; rows: Row[] }>('metrics')).sort((a, x) => a.seq - x.seq);
    const evals = await all<{ runId: string; record: Stored['evals'][string][number] }>('evals');
    db.close();
    const rows: Stored['rows'] = {};
    for (const bt of batches) {
      // Batches are keyed by their first step; a later one replaces the rows from its first step on.
      const list = (rows[bt.runId] ??= []);
      while (list.length && list[list.length - 1].step >= bt.rows[0].step) list.pop();
      list.push(...bt.rows);
    }
    const ev: Stored['evals'] = {};
    for (const e of evals) (ev[e.runId] ??= []).push(e.record);
    for (const k of Object.keys(ev)) ev[k].sort((a, x) => a.step - x.step);
    return { runs, rows, evals: ev };
  };
  // Passed as source text: the function must not refer to helpers of this module.
  const src = `(${read.toString()})()`;
  // The trainer's own script (wasm's thread workers are blob: URLs and block in Atomics.wait).
  const trainer = page.workers().find((w) => /\/worker-[^/]*\.js/.test(w.url()));
  return (trainer ? trainer.evaluate(src) : page.evaluate(src)) as Promise<Stored>;
}

const withoutTime = (rows: Row[]) => rows.map(({ t: _t, ...rest }) => rest);

async function waitState(page: Page, want: RegExp, timeout = 600_000): Promise<void> {
  const state = page.getByRole('status', { name: 'Run state' });
  await expect.poll(() => state.textContent(), { timeout, interval: 250 }).toMatch(want);
}

describe('runs survive a closed tab and a reload', () => {
  it('resumes from the checkpoint after the tab closed mid-run and equals an uninterrupted run', async () => {
    b = await launch('none');
    let page = b.page;
    await page.goto(`${baseUrl()}?${RUN}`);
    await expect.poll(() => page.getByLabel('RL steps').inputValue(), { timeout: 60_000 }).toBe(String(N));
    await page.getByRole('button', { name: /^Start/ }).click();
    // Wait until storage holds a checkpoint and rows past it: then the tab goes away
    // mid-run, with no pause, so nothing but the streamed records is saved.
    await expect
      .poll(
        async () => {
          const s = await stored(page);
          const r = s.runs[0];
          return r && (r.checkpointStep ?? 0) >= 25 && r.step > r.checkpointStep! && r.state === 'running';
        },
        { timeout: 900_000, interval: 500 },
      )
      .toBe(true);
    const before = (await stored(page)).runs[0].step;
    // The tab goes away mid-run, without its beforeunload handlers, and the lab is opened again in
    // a new tab of the same browser profile. (CDP's Page.crash took the whole browser down with the
    // tab in this Chromium, so the tab is closed instead; storage holds only what was streamed.)
    const old = page;
    page = await b.context.newPage();
    page.on('pageerror', (e) => b?.logs.push(`[pageerror] ${e.message}`));
    await old.close({ runBeforeUnload: false });
    await page.goto(`${baseUrl()}?${RUN}`);
    await waitState(page, /^paused$/, 120_000);
    const details = page.getByLabel('Progress details');
    const reached = stepOf((await details.textContent()) ?? '');
    expect(reached).toBeGreaterThanOrEqual(before); // not "paused · step 1"
    expect(reached).toBeLessThan(N);
    const ck = (await stored(page)).runs[0].checkpointStep!;
    expect(ck % 25).toBe(0);
    const notice = page.getByLabel('Run notice');
    const lost = reached - ck;
    expect(await notice.textContent()).toBe(
      `Training stopped at step ${reached} when the page closed. Resume continues from the checkpoint at step ${ck} and trains the ${lost} step${lost === 1 ? '' : 's'} after it again.`,
    );
    // The settings are not locked by a paused run.
    expect(await page.getByLabel('RL steps').isDisabled()).toBe(false);
    if (shots) await page.screenshot({ path: `${shots}/resume-after-crash.png`, fullPage: true });

    await page.getByRole('button', { name: /^Resume/ }).click();
    const doneRuns = async (n: number) =>
      expect
        .poll(async () => (await stored(page)).runs.filter((r) => r.state === 'done').length, {
          timeout: 900_000,
          interval: 1000,
        })
        .toBe(n);
    await doneRuns(1);
    await waitState(page, /^done$/);
    expect(await notice.textContent()).toMatch(
      new RegExp(`^Resumed from the checkpoint at step ${ck}: the ${lost} steps? after it (was|were) trained again`),
    );
    if (shots) await page.screenshot({ path: `${shots}/resume-done.png`, fullPage: true });

    // The same run without interruption: Reset sets the first aside, Start trains a new one.
    await page.getByRole('button', { name: /^Reset/ }).click();
    await page.getByRole('button', { name: /^Start/ }).click();
    await doneRuns(2);
    const s = await stored(page);
    const [resumed, straight] = s.runs.map((r) => r.id);
    expect(s.rows[resumed].map((r) => r.step)).toEqual([...Array(N).keys()].map((i) => i + 1));
    const after = (rows: Row[]) => withoutTime(rows.filter((r) => r.step > ck));
    expect(after(s.rows[resumed])).toEqual(after(s.rows[straight]));
    expect(withoutTime(s.rows[resumed])).toEqual(withoutTime(s.rows[straight]));
    expect(s.evals[resumed]).toEqual(s.evals[straight]);
    expect(s.runs[0]).toMatchObject({ step: N, state: 'done', checkpointStep: N });
    expect(b.logs.filter((l) => /pageerror/.test(l))).toEqual([]);
  }, 2_400_000);

  it('imports a run file as a new run that survives a reload; other files get a message that says what they are', async () => {
    b = await launch('none');
    const page = b.page;
    await page.goto(`${baseUrl()}?${RUN.replace(`steps=${N}`, 'steps=3').replace('evalEvery=10', 'evalEvery=3')}`);
    await expect.poll(() => page.getByLabel('RL steps').inputValue(), { timeout: 60_000 }).toBe('3');
    await page.getByRole('button', { name: /^Start/ }).click();
    await waitState(page, /^done$/);
    const runs = page.getByRole('list', { name: 'Runs' });
    const name = (
      await runs
        .getByRole('radio')
        .first()
        .evaluate((el) => el.parentElement?.textContent ?? '')
    ).trim();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: `Export ${name} as a run file` }).click();
    const dir = mkdtempSync(path.join(tmpdir(), 'crl-run-'));
    const file = path.join(dir, 'run.crlrun');
    await (await download).saveAs(file);

    const input = page.getByLabel('Import run file');
    await input.setInputFiles(file);
    await expect.poll(() => runs.getByRole('listitem').count(), { timeout: 30_000 }).toBe(2);
    await expect.poll(async () => (await stored(page)).runs.length, { timeout: 30_000 }).toBe(2);

    // Files that are not run files, and a run file with null evaluations.
    const png = path.join(dir, 'picture.png');
    writeFileSync(png, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]));
    await input.setInputFiles(png);
    const panel = page.getByRole('region', { name: 'Runs and export' });
    const alert = panel.getByRole('alert');
    await expect
      .poll(() => alert.textContent(), { timeout: 30_000 })
      .toMatch(/picture\.png: \(file\): this is a PNG image, not a run file/);
    const head = Buffer.from(
      JSON.stringify({ format: 'CRLRUN01', summary: { id: 'x', name: 'x' }, metrics: [], evals: null }),
    );
    const bad = Buffer.alloc(12 + head.length);
    bad.write('CRLRUN01', 0, 'latin1');
    bad.writeUInt32LE(head.length, 8);
    head.copy(bad, 12);
    writeFileSync(path.join(dir, 'bad.crlrun'), bad);
    await input.setInputFiles(path.join(dir, 'bad.crlrun'));
    await expect.poll(() => alert.textContent(), { timeout: 30_000 }).toMatch(/bad\.crlrun: evals: must be a list/);
    expect(await runs.getByRole('listitem').count()).toBe(2);
    if (shots) await panel.screenshot({ path: `${shots}/import-errors.png` });

    await page.reload();
    await expect.poll(() => runs.getByRole('listitem').count(), { timeout: 30_000 }).toBe(2);
    expect(await runs.textContent()).toContain('(imported)');
    expect(b.logs.filter((l) => /pageerror/.test(l))).toEqual([]);
  }, 600_000);
});
