/** The configuration slice: the config being edited, its inline validation errors, and URL warnings. */
import { create } from 'zustand';
import type { RunConfig } from '../runtime/types.ts';
import { presetConfig, validateRunConfig, type ConfigErrors, type FieldKey } from './configSpec.ts';
import { decodeConfig, encodeConfig } from './url.ts';

export interface ConfigSlice {
  config: RunConfig;
  errors: ConfigErrors;
  /** What the URL held that could not be used (said once, near the controls). */
  urlWarnings: string[];
}

const initial = presetConfig('trace-default');
export const useConfigStore = create<ConfigSlice>(() => ({
  config: initial,
  errors: validateRunConfig(initial),
  urlWarnings: [],
}));

function put(config: RunConfig): void {
  useConfigStore.setState({ config, errors: validateRunConfig(config) });
}

export function setField<K extends FieldKey>(key: K, value: RunConfig[K]): void {
  put({ ...useConfigStore.getState().config, [key]: value });
}

export function setKnob(name: string, value: number | string | boolean): void {
  const c = useConfigStore.getState().config;
  put({ ...c, knobs: { ...c.knobs, [name]: value } });
}

/** Starts over from a preset's config, then applies `overrides` (teaching presets use them). */
export function applyPreset(name: string, overrides: Partial<RunConfig> = {}): void {
  const base = presetConfig(name);
  put({ ...base, ...overrides, knobs: { ...base.knobs, ...(overrides.knobs ?? {}) } });
}

export function loadConfig(config: RunConfig): void {
  put(structuredClone(config));
}

/** Reads the config from a query string (the page's URL at boot). */
export function loadConfigFromUrl(search: string): void {
  const d = decodeConfig(search);
  put(d.config);
  useConfigStore.setState({ urlWarnings: d.warnings });
}

export function dismissUrlWarnings(): void {
  useConfigStore.setState({ urlWarnings: [] });
}

/** The current config's query string (only non-default values plus the version). */
export function configQuery(): string {
  return encodeConfig(useConfigStore.getState().config);
}

export function isConfigValid(): boolean {
  return Object.keys(useConfigStore.getState().errors).length === 0;
}
