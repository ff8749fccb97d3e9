import { create } from 'zustand';
import type { BackendStatus } from '../engine/backend.ts';

/** The active backend as the page sees it. Plain data only: never tensors in the store. */
export interface BackendSlice {
  status: BackendStatus | null;
  error: string | null;
  /** Set when a run had to move to another backend mid-run (said once, visibly). */
  fallbackNotice: string | null;
}

export const useBackendStore = create<BackendSlice>(() => ({ status: null, error: null, fallbackNotice: null }));

export function setBackendStatus(status: BackendStatus): void {
  useBackendStore.setState({ status, error: null });
}
export function setBackendError(error: string): void {
  useBackendStore.setState({ error });
}
export function setFallbackNotice(fallbackNotice: string | null): void {
  useBackendStore.setState({ fallbackNotice });
}
