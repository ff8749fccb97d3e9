/**
 * The page's error log: what a panel threw while rendering (caught by its boundary,
 * src/ui/components/Panel.tsx), with where and when, kept for the user to copy into a report.
 * Plain data; the last MAX_ERRORS are kept.
 */
import { create } from 'zustand';

export const MAX_ERRORS = 50;

export interface LoggedError {
  /** Where it happened: the panel's name. */
  where: string;
  message: string;
  /** The error's stack and React's component stack, when known. */
  stack?: string;
  componentStack?: string;
  at: number;
}

export const useErrorLog = create<{ errors: LoggedError[] }>(() => ({ errors: [] }));

export function recordError(where: string, error: unknown, componentStack?: string | null): LoggedError {
  const e = error instanceof Error ? error : new Error(String(error));
  const entry: LoggedError = {
    where,
    message: e.message || e.name || 'unknown error',
    stack: e.stack,
    componentStack: componentStack ?? undefined,
    at: Date.now(),
  };
  useErrorLog.setState({ errors: [...useErrorLog.getState().errors, entry].slice(-MAX_ERRORS) });
  return entry;
}

export function clearErrors(): void {
  useErrorLog.setState({ errors: [] });
}

/** One error as text to paste into a report: where, when, what, the page's address and the stacks. */
export function errorText(e: LoggedError, href = typeof location === 'undefined' ? '' : location.href): string {
  return [
    `ContextRL Lab: the ${e.where} panel failed at ${new Date(e.at).toISOString()}`,
    `error: ${e.message}`,
    href ? `page: ${href}` : '',
    e.stack ? `stack:\n${e.stack}` : '',
    e.componentStack ? `components:${e.componentStack}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}
