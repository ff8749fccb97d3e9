// @vitest-environment happy-dom
/** Every error that disables Start is shown next to its field, domain knobs included. */
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigForm } from '../../src/ui/panels/ConfigForm.tsx';
import { applyPreset, loadConfig, setKnob, useConfigStore } from '../../src/store/config.ts';
import { domains, DOMAIN_NAMES } from '../../src/tasks/index.ts';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
let root: Root;
let host: HTMLElement;
beforeEach(() => {
  host = document.createElement('div');
  document.body.appendChild(host);
  root = createRoot(host);
  act(() => applyPreset('trace-default'));
});
afterEach(() => {
  act(() => root.unmount());
  document.body.innerHTML = '';
});
const render = () => act(() => root.render(<ConfigForm locked={false} />));

describe('the configuration form', () => {
  it.each(DOMAIN_NAMES)('every knob of the %s domain is an editable field with its help', (domain) => {
    act(() => applyPreset(`${domain}-default`));
    render();
    for (const k of domains[domain].knobs) {
      const input = host.querySelector(`#f-knob-${k.name}`) as HTMLInputElement | HTMLSelectElement | null;
      expect(input, k.name).not.toBeNull();
      expect(host.querySelector(`label[for="f-knob-${k.name}"]`)?.textContent).toBe(k.name);
      expect(host.querySelector(`#h-knob-${k.name}`)?.textContent).toContain(k.help);
    }
  });

  it('a knob out of its range shows its error next to the knob, and Advanced opens to show it', () => {
    render();
    act(() => setKnob('steps', 1000));
    const err = host.querySelector('#e-knob-steps');
    expect(err?.textContent).toBe('knobs.steps must be in [2, 80] (got 1000)');
    expect(host.querySelector('#f-knob-steps')?.getAttribute('aria-invalid')).toBe('true');
    expect((host.querySelector('details') as HTMLDetailsElement).open).toBe(true);
  });

  it('typing into a knob sets it', () => {
    render();
    const input = host.querySelector('#f-knob-noise') as HTMLInputElement;
    act(() => {
      const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
      set.call(input, '7');
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect(useConfigStore.getState().config.knobs.noise).toBe(7);
  });

  it.each([
    ['a field out of range', { groupSize: 1 }],
    ['a cross-field rule', { evalEvery: 500, steps: 100 }],
    ['a knob', { knobs: { vars: 9 } }],
    ['an advanced field', { warmupSteps: -1 }],
    ['a field the form does not show', { benchmarks: 'x' }],
  ])('%s: each error that disables Start is on the page', (_, bad) => {
    // As a config loaded from a file would be (the URL codec drops bad values before they get here).
    const c = useConfigStore.getState().config;
    act(() =>
      loadConfig({ ...c, ...bad, knobs: { ...c.knobs, ...((bad as { knobs?: object }).knobs ?? {}) } } as never),
    );
    render();
    const errors = Object.values(useConfigStore.getState().errors) as string[];
    expect(errors.length).toBeGreaterThan(0);
    const alerts = [...host.querySelectorAll('[role="alert"]')].map((e) => e.textContent ?? '');
    for (const message of errors)
      expect(
        alerts.some((a) => a.includes(message)),
        message,
      ).toBe(true);
  });
});
