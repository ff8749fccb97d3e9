// @vitest-environment happy-dom
/** Guided presets: a lesson sets up its first run; a lesson of several runs sets up each in turn. */
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isConfigValid, useConfigStore } from '../../src/store/config.ts';
import { LESSONS, TeachingPanel, lessonSeries, lessonTime } from '../../src/ui/panels/TeachingPanel.tsx';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
let root: Root;
let host: HTMLElement;
beforeEach(() => {
  host = document.createElement('div');
  document.body.appendChild(host);
  root = createRoot(host);
  act(() => root.render(<TeachingPanel />));
});
afterEach(() => {
  act(() => root.unmount());
  document.body.innerHTML = '';
});

const button = (text: string | RegExp) => {
  const b = [...host.querySelectorAll('button')].find((x) =>
    typeof text === 'string' ? x.textContent === text : text.test(x.textContent ?? ''),
  );
  if (!b) throw new Error(`no button ${String(text)}`);
  return b;
};
const config = () => useConfigStore.getState().config;

describe('guided presets', () => {
  it('every run of every lesson is a valid configuration', () => {
    for (const l of LESSONS)
      for (const [i] of l.runs.entries()) {
        act(() => button(l.title).click());
        if (l.runs.length > 1) act(() => button(new RegExp(`^Set up run ${i + 1}:`)).click());
        expect(isConfigValid(), `${l.id} run ${i + 1}`).toBe(true);
      }
  });

  it('"Why hard distractors matter" compares hard, easy and random pairs under the same settings', () => {
    act(() => button('Why hard distractors matter').click());
    expect(config()).toMatchObject({ method: 'contextrl', pairHardness: 'hard', pairShare: 0.5, lambda: 5 });
    const first = { ...config() };
    act(() => button(/^Set up run 2: contextrl, easy pairs$/).click());
    expect(config().pairHardness).toBe('easy');
    // Only the pairs' hardness differs between the runs.
    expect({ ...config(), pairHardness: 'hard' }).toEqual(first);
    act(() => button(/^Set up run 3: contextrl, random pairs$/).click());
    expect(config().pairHardness).toBe('random');
    expect(host.querySelector('[aria-label="What to watch"] h3')?.textContent).toBe('Why hard distractors matter');
  });

  it('the ablation lesson sets up the four methods with one seed and budget', () => {
    act(() => button('The ablation: is it the data or the objective?').click());
    const seen = new Set<string>();
    const seeds = new Set<number>();
    for (let i = 1; i <= 4; i++) {
      act(() => button(new RegExp(`^Set up run ${i}:`)).click());
      seen.add(config().method);
      seeds.add(config().seed);
      expect(config().pairShare).toBe(0.5);
    }
    expect([...seen].sort()).toEqual(['contextrl', 'da-rl', 'da-sft', 'grpo']);
    expect(seeds.size).toBe(1);
  });

  it('"Run all" trains exactly the runs the lesson sets up, in order, as one series', () => {
    for (const l of LESSONS.filter((x) => x.runs.length > 1)) {
      const series = lessonSeries(l);
      expect(series.map((x) => x.label)).toEqual(l.runs.map((r) => r.label));
      for (const [i, item] of series.entries()) {
        act(() => button(l.title).click());
        act(() => button(new RegExp(`^Set up run ${i + 1}:`)).click());
        expect(item.config, `${l.id} run ${i + 1}`).toEqual(config());
      }
    }
    act(() => button('Why hard distractors matter').click());
    act(() => button('Run all 3 one after another').click());
    // no runtime in this test: the series says why it could not start, and the page goes on
    expect(host.querySelector('[role="status"]')?.textContent).toBe('The training runtime is not connected yet.');
  });
});

describe('how long a lesson takes here', () => {
  const lesson = LESSONS.find((l) => l.id === 'hard-distractors')!;
  it('says so when no step was timed yet, and estimates from the timed steps otherwise', () => {
    expect(lessonTime(lesson, null)).toMatch(/once the lab has timed a training step/);
    const status = {
      name: 'wasm',
      choice: { mode: 'auto', timings: [{ batch: 1, webgpuMs: NaN, wasmMs: 1000 }] },
    } as unknown as Parameters<typeof lessonTime>[1];
    // One point, proportional: ablation-trace's 32 prompts per step cost 32 s, 250 ms a sequence
    // (32 x 4). 150 steps 4800 s; 3 evaluations (0, 75, 150) of 3 x 200 items and 200 pairs,
    // 1.3 x 250 x 800 = 260 s each; 28 probes alone (every 5 steps but 75 and 150) of 200 pairs,
    // 0.7 x 250 x 200 = 35 s each: 6560 s a run, 1.8 h.
    expect(lessonTime(lesson, status)).toBe(
      '3 runs: about 1.8 h each, about 5.5 h in all on wasm here (from a timed step).',
    );
  });
});
