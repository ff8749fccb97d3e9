// @vitest-environment happy-dom
/** The pair list renders the rows in view, not 100,000 list items. */
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualList } from '../../src/ui/components/VirtualList.tsx';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
afterEach(() => {
  document.body.innerHTML = '';
});

function mount(items: string[], scrollTo?: number) {
  const host = document.createElement('div');
  document.body.appendChild(host);
  const root = createRoot(host);
  act(() =>
    root.render(
      <VirtualList items={items} rowHeight={40} height={400} label="Pairs" keyOf={(s) => s} scrollTo={scrollTo}>
        {(s) => <button type="button">{s}</button>}
      </VirtualList>,
    ),
  );
  return { host, root };
}

const ids = Array.from({ length: 100_000 }, (_, i) => `p${i}`);

describe('VirtualList', () => {
  it('renders the rows in view and a few either side, with positions for assistive technology', () => {
    const { host, root } = mount(ids);
    const rows = host.querySelectorAll('li');
    expect(rows.length).toBeLessThanOrEqual(10 + 2 * 8);
    expect(rows[0].textContent).toBe('p0');
    expect(rows[0].getAttribute('aria-setsize')).toBe('100000');
    const list = host.querySelector('ul')!;
    expect(list.getAttribute('aria-label')).toBe('Pairs');
    expect(list.style.height).toBe(`${100_000 * 40}px`);
    act(() => root.unmount());
  });

  it('scrolling shows the rows at the new position', () => {
    const { host, root } = mount(ids);
    const viewport = host.querySelector('.virtual-list') as HTMLDivElement;
    act(() => {
      viewport.scrollTop = 50_000 * 40;
      viewport.dispatchEvent(new Event('scroll'));
    });
    const texts = [...host.querySelectorAll('li')].map((li) => li.textContent);
    expect(texts).toContain('p50000');
    expect(texts).toContain('p50009');
    expect(texts).not.toContain('p0');
    expect(texts.length).toBeLessThanOrEqual(10 + 2 * 8 + 1);
    act(() => root.unmount());
  });

  it('brings the selected row into view', () => {
    const { host, root } = mount(ids, 70_000);
    const viewport = host.querySelector('.virtual-list') as HTMLDivElement;
    expect(viewport.scrollTop).toBe(70_000 * 40 - 200);
    act(() => viewport.dispatchEvent(new Event('scroll')));
    expect([...host.querySelectorAll('li')].map((li) => li.textContent)).toContain('p70000');
    act(() => root.unmount());
  });

  it('a short list is as tall as its rows', () => {
    const { host, root } = mount(['a', 'b']);
    expect((host.querySelector('.virtual-list') as HTMLDivElement).style.height).toBe('80px');
    expect(host.querySelectorAll('li')).toHaveLength(2);
    act(() => root.unmount());
  });
});
