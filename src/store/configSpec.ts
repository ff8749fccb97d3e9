/**
 * The run configuration as the form sees it: the rows of the configuration table
 * (src/config/fields.ts) that are form fields, the presets for the picker, and inline validation
 * with the one validation function every layer uses (src/config/run-config.ts).
 */
import { RUN_FIELDS, FIELD_NAMES, type FieldName, type FieldSpec as TableSpec } from '../config/fields.ts';
import { PRESETS as RUNTIME_PRESETS, presetConfig as runtimePresetConfig } from '../config/presets.ts';
import { DEFAULT_RUN_CONFIG, validateRunConfig as validate } from '../config/run-config.ts';
import type { RunConfig } from '../config/fields.ts';

export type FieldKey = Exclude<FieldName, 'knobs' | 'benchmarks' | 'preset'>;

export interface FieldSpec {
  key: FieldKey;
  label: string;
  /** One sentence for the UI. */
  help: string;
  kind: 'int' | 'float' | 'select' | 'bool';
  options?: readonly string[];
  min?: number;
  max?: number;
  /** The range's ends are refused (learningRate > 0, pairShare < 1). */
  aboveMin?: boolean;
  belowMax?: boolean;
  /** Shown only under 'Advanced'. */
  advanced?: boolean;
}

function formSpec(key: FieldKey, t: TableSpec): FieldSpec {
  const base = { key, label: t.label, help: t.help, advanced: t.place === 'advanced' };
  if (t.kind === 'select') return { ...base, kind: 'select', options: t.options };
  if (t.kind === 'bool') return { ...base, kind: 'bool' };
  if (t.kind === 'int') return { ...base, kind: 'int', min: t.min, max: t.max };
  if (t.kind === 'float')
    return { ...base, kind: 'float', min: t.min, max: t.max, aboveMin: t.aboveMin, belowMax: t.belowMax };
  throw new Error(`field ${key} (${t.kind}) has no form input`);
}

/** The form's fields, in the table's order. */
export const FIELDS: readonly FieldSpec[] = FIELD_NAMES.filter((k) => RUN_FIELDS[k].place !== 'none').map((k) =>
  formSpec(k as FieldKey, RUN_FIELDS[k]),
);

export const FIELD_BY_KEY: Record<string, FieldSpec> = Object.fromEntries(FIELDS.map((f) => [f.key, f]));

/** "2 to 64", "above 0, at most 1": the accepted range of a number field, from the table. */
export function rangeText(f: FieldSpec): string | undefined {
  if (f.kind !== 'int' && f.kind !== 'float') return undefined;
  const lo = f.min === undefined ? '' : `${f.aboveMin ? 'above' : 'from'} ${f.min}`;
  const hi = f.max === undefined ? '' : `${f.belowMax ? 'below' : 'up to'} ${f.max}`;
  return [lo, hi].filter(Boolean).join(', ') || undefined;
}

export { DEFAULT_RUN_CONFIG };

export interface PresetInfo {
  name: string;
  title: string;
  description: string;
}

export const DEFAULT_PRESET = 'trace-default';

/** The runtime's built-in presets (src/config/presets.ts), for the preset picker. */
export const PRESETS: readonly PresetInfo[] = Object.values(RUNTIME_PRESETS).map((p) => ({
  name: p.name,
  title: p.name,
  description: p.description,
}));

/** The default preset's config. */
export function defaultRunConfig(): RunConfig {
  return presetConfig(DEFAULT_PRESET);
}

/**
 * The lab scores the selection probe alone every few RL steps between full evaluations (a preset
 * may set its own): on 2 CPU cores with wasm a trace step takes about 3 s, so the Selection panel
 * and the probe's curve move every ~15 s instead of every evalEvery steps (50: 2.5 min and more).
 * The command-line tools keep the table's default (0), so their results and metric rows are unchanged.
 */
export const LAB_PROBE_EVERY = 5;

/** The config a preset starts from in the lab; unknown names give the default preset. */
export function presetConfig(name: string): RunConfig {
  const key = RUNTIME_PRESETS[name] ? name : DEFAULT_PRESET;
  const c = structuredClone(runtimePresetConfig(key));
  const own = RUNTIME_PRESETS[key].stated.probeEvery;
  return { ...c, probeEvery: own ?? LAB_PROBE_EVERY };
}

export type ConfigErrors = Partial<Record<string, string>>;

/**
 * Field -> message for every invalid field (empty when valid), from the one validation the worker
 * and the CLI use, so the page accepts exactly what the worker accepts. A knob's key is
 * 'knobs.<name>'; a message that names no field goes under '_form'.
 */
export function validateRunConfig(c: RunConfig): ConfigErrors {
  const r = validate(c);
  if (r.ok) return {};
  const errors: ConfigErrors = {};
  for (const { field, message } of r.issues) errors[field] = errors[field] ? `${errors[field]}; ${message}` : message;
  return errors;
}
