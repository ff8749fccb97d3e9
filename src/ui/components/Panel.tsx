import type { ReactNode } from 'react';

/** A titled region of the page; `name` is its accessible name (tests find panels by it). */
export function Panel({
  name,
  title,
  actions,
  children,
  className,
}: {
  name: string;
  title?: string;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  const id = `panel-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section className={`panel ${className ?? ''}`} aria-labelledby={id}>
      <div className="panel-head">
        <h2 id={id}>{title ?? name}</h2>
        {actions ? <div className="panel-actions">{actions}</div> : null}
      </div>
      {children}
    </section>
  );
}

/** What a panel says when it has no data yet: what to do to get some. */
export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}
