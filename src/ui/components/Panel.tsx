import { Component, Fragment, useState, type ComponentType, type ErrorInfo, type ReactNode } from 'react';
import { errorText, recordError, type LoggedError } from '../../store/errors.ts';

const panelId = (name: string) => `panel-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;

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
  const id = panelId(name);
  return (
    <section className={`panel ${className ?? ''}`} aria-labelledby={id}>
      <div className="panel-head">
        <h2 id={id}>{title ?? name}</h2>
        {actions ? <div className="panel-actions">{actions}</div> : null}
      </div>
      <PanelBoundary name={name} inside>
        {children}
      </PanelBoundary>
    </section>
  );
}

/** What a panel says when it has no data yet: what to do to get some. */
export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

function CopyError({ entry }: { entry: LoggedError }) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  return (
    <button
      type="button"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(errorText(entry));
          setCopied('yes');
        } catch {
          setCopied('no');
        }
      }}
    >
      {copied === 'yes' ? 'Copied' : copied === 'no' ? 'Copy failed: select the text below' : 'Copy error'}
    </button>
  );
}

interface BoundaryState {
  error: Error | null;
  /** The error as logged (set once componentDidCatch has run). */
  entry: LoggedError | null;
  attempt: number;
}

interface BoundaryProps {
  name: string;
  /** Inside a Panel (its header stays); otherwise the fallback is a panel of its own. */
  inside?: boolean;
  /** Puts the panel's own state in the store back to its defaults (the "Reset panel" button). */
  onReset?: () => void;
  children: ReactNode;
}

/**
 * An error boundary around one panel: a panel that throws while rendering shows what went wrong,
 * with Retry (render it again), Reset panel (its view state back to defaults, then render) and
 * Copy error; the error goes to the page's error log (src/store/errors.ts). The rest of the lab
 * keeps working.
 */
export class PanelBoundary extends Component<BoundaryProps, BoundaryState> {
  override state: BoundaryState = { error: null, entry: null, attempt: 0 };

  static getDerivedStateFromError(error: unknown): Partial<BoundaryState> {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    this.setState({ entry: recordError(this.props.name, error, info.componentStack) });
  }

  private retry = () => this.setState((s) => ({ error: null, entry: null, attempt: s.attempt + 1 }));

  private reset = () => {
    try {
      this.props.onReset?.();
    } finally {
      this.retry();
    }
  };

  override render(): ReactNode {
    const { error, entry, attempt } = this.state;
    // A new key per attempt: Retry mounts the panel afresh (its own state starts over).
    if (!error) return <Fragment key={attempt}>{this.props.children}</Fragment>;
    const body = (
      <div className="panel-failed" role="alert" aria-label={`${this.props.name} failed`}>
        <p>
          <strong>This panel failed</strong>; the rest of the lab keeps working. Error: <code>{error.message}</code>
        </p>
        <div className="panel-failed-actions">
          <button type="button" onClick={this.retry}>
            Retry
          </button>
          {this.props.onReset ? (
            <button type="button" onClick={this.reset}>
              Reset panel
            </button>
          ) : null}
          {entry ? <CopyError entry={entry} /> : null}
        </div>
        {entry ? (
          <details>
            <summary>Details for a report</summary>
            <pre className="error-text">{errorText(entry)}</pre>
          </details>
        ) : null}
      </div>
    );
    if (this.props.inside) return body;
    return (
      <section className="panel" aria-labelledby={panelId(this.props.name)}>
        <div className="panel-head">
          <h2 id={panelId(this.props.name)}>{this.props.name}</h2>
        </div>
        {body}
      </section>
    );
  }
}

/**
 * A panel component wrapped in its boundary, so that an error in the panel's own code (its hooks,
 * its derived data) is caught as well as one in the Panel's body. Every panel exports itself through this.
 */
export function guardPanel<P extends object>(name: string, Body: ComponentType<P>, onReset?: () => void) {
  function Guarded(props: P) {
    return (
      <PanelBoundary name={name} onReset={onReset}>
        <Body {...props} />
      </PanelBoundary>
    );
  }
  Guarded.displayName = `Guarded(${Body.displayName ?? Body.name ?? name})`;
  return Guarded;
}
