/**
 * A list that renders only the rows in view (plus a few either side): 100,000 imported pairs used
 * to render 100,000 list items (35 s, then seconds per click). Rows have one fixed height; the
 * viewport's height is fixed too, so nothing is measured and the window is exact from the first render.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';

export function VirtualList<T>({
  items,
  rowHeight,
  height,
  label,
  className,
  overscan = 8,
  keyOf,
  scrollTo,
  children,
}: {
  items: readonly T[];
  rowHeight: number;
  /** Viewport height in px (the list is shorter when its rows take less). */
  height: number;
  label: string;
  className?: string;
  overscan?: number;
  keyOf: (item: T) => string;
  /** An index to bring into view when it changes (the selected row). */
  scrollTo?: number;
  children: (item: T, index: number) => ReactNode;
}) {
  const [top, setTop] = useState(0);
  const ref = useRef<HTMLDivElement>(null);
  const total = items.length * rowHeight;
  const viewport = Math.min(height, total);
  const first = Math.max(0, Math.floor(top / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((top + height) / rowHeight) + overscan);
  useEffect(() => {
    const el = ref.current;
    if (!el || scrollTo === undefined || scrollTo < 0) return;
    const y = scrollTo * rowHeight;
    if (y < el.scrollTop || y + rowHeight > el.scrollTop + height) el.scrollTop = Math.max(0, y - height / 2);
  }, [scrollTo, rowHeight, height]);
  // A shorter list (a filter) can leave the scroll position past its end: the window follows it.
  const shownTop = Math.min(top, Math.max(0, total - viewport));
  if (shownTop !== top) setTop(shownTop);
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++)
    rows.push(
      <li
        key={keyOf(items[i])}
        aria-posinset={i + 1}
        aria-setsize={items.length}
        style={{ position: 'absolute', top: i * rowHeight, height: rowHeight, left: 0, right: 0 }}
      >
        {children(items[i], i)}
      </li>,
    );
  return (
    <div
      ref={ref}
      className={`virtual-list ${className ?? ''}`}
      style={{ height: viewport, overflowY: 'auto', position: 'relative' }}
      onScroll={(e) => setTop(e.currentTarget.scrollTop)}
    >
      <ul aria-label={label} style={{ position: 'relative', height: total, margin: 0, padding: 0, listStyle: 'none' }}>
        {rows}
      </ul>
    </div>
  );
}
