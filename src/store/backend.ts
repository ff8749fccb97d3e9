import { create } from 'zustand';
import type { StepCost } from '../config/duration.ts';
import type { BackendStatus, RememberedChoice } from '../engine/backend.ts';

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
  if (status.choice?.mode === 'auto' && status.choice.remember) rememberChoice(status.choice.remember);
}

const REMEMBER_KEY = 'contextrl.backend-choice';

/**
 * The last measured choice on this machine (adapter and run shape it holds for), so the next page
 * load need not time the step again. Storage may be unavailable (private modes): then nothing is kept.
 */
export function rememberedChoice(): RememberedChoice | undefined {
  try {
    const raw = globalThis.localStorage?.getItem(REMEMBER_KEY);
    return raw ? (JSON.parse(raw) as RememberedChoice) : undefined;
  } catch {
    return undefined;
  }
}

function rememberChoice(c: RememberedChoice): void {
  try {
    globalThis.localStorage?.setItem(REMEMBER_KEY, JSON.stringify(c));
  } catch {
    /* storage full or off: the next load measures again */
  }
}
export function setBackendError(error: string): void {
  useBackendStore.setState({ error });
}
export function setFallbackNotice(fallbackNotice: string | null): void {
  useBackendStore.setState({ fallbackNotice });
}

/** The measured RL step times of the backend in use (for estimates of how long a run takes here). */
export function stepCosts(status: BackendStatus | null): StepCost[] {
  const t = status?.choice?.timings ?? [];
  return t
    .map((x) => ({ batch: x.batch, ms: status!.name === 'webgpu' ? x.webgpuMs : x.wasmMs, group: x.group }))
    .filter((c) => Number.isFinite(c.ms) && c.ms > 0);
}
