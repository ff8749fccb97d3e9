/**
 * The whole run configuration in the URL, so a link reproduces a setup.
 * Format: `?v=1&preset=<name>&<field>=<value>...&k.<knob>=<value>` where only values that differ
 * from the preset's config are written (Sequence Toy style). Numbers use their shortest exact
 * form, booleans `true`/`false`, lists comma-separated. `v` is the format version.
 */
import type { RunConfig } from '../runtime/types.ts';
import { presetConfig } from './configSpec.ts';

export const URL_VERSION = 1;
const KNOB = 'k.';

type Scalar = number | string | boolean;

function fmt(v: unknown): string {
  if (Array.isArray(v)) return v.map(String).join(',');
  return String(v);
}

function same(a: unknown, b: unknown): boolean {
  return fmt(a) === fmt(b) && Array.isArray(a) === Array.isArray(b);
}

/** Parses `raw` to the type of `like` (or guesses when there is no reference value). */
function parseAs(raw: string, like: unknown): { value?: unknown; error?: string } {
  if (Array.isArray(like)) return { value: raw === '' ? [] : raw.split(',') };
  if (typeof like === 'number') {
    const n = Number(raw);
    return raw.trim() !== '' && Number.isFinite(n) ? { value: n } : { error: `not a number: "${raw}"` };
  }
  if (typeof like === 'boolean') {
    if (raw === 'true' || raw === 'false') return { value: raw === 'true' };
    return { error: `not true/false: "${raw}"` };
  }
  if (typeof like === 'string') return { value: raw };
  if (raw === 'true' || raw === 'false') return { value: raw === 'true' };
  const n = Number(raw);
  return { value: raw.trim() !== '' && Number.isFinite(n) ? n : raw };
}

/** Query string (without '?') for a config: version, preset when not the default, then non-default fields. */
export function encodeConfig(config: RunConfig, defaultPreset = 'trace-default'): string {
  const base = presetConfig(config.preset);
  const q = new URLSearchParams();
  q.set('v', String(URL_VERSION));
  if (config.preset !== defaultPreset) q.set('preset', config.preset);
  const keys = Object.keys(config)
    .filter((k) => k !== 'knobs' && k !== 'preset')
    .sort();
  for (const k of keys) {
    const v = (config as unknown as Record<string, unknown>)[k];
    if (v === undefined) continue;
    if (!same(v, (base as unknown as Record<string, unknown>)[k])) q.set(k, fmt(v));
  }
  for (const k of Object.keys(config.knobs).sort()) {
    const v = config.knobs[k];
    if (!same(v, base.knobs[k])) q.set(KNOB + k, fmt(v));
  }
  return q.toString();
}

export interface Decoded {
  config: RunConfig;
  warnings: string[];
  /** true when the URL named anything */ fromUrl: boolean;
}

/** Rebuilds a config from a query string; bad or unknown entries become warnings, never throw. */
export function decodeConfig(search: string, defaultPreset = 'trace-default'): Decoded {
  const q = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  const warnings: string[] = [];
  const v = q.get('v');
  if (v !== null && v !== String(URL_VERSION))
    warnings.push(`URL format version ${v} is not ${URL_VERSION}; reading it as ${URL_VERSION}`);
  const config = presetConfig(q.get('preset') ?? defaultPreset);
  const rec = config as unknown as Record<string, unknown>;
  let fromUrl = false;
  for (const [k, raw] of q) {
    if (k === 'v' || k === 'preset') {
      fromUrl = true;
      continue;
    }
    if (k.startsWith(KNOB)) {
      const name = k.slice(KNOB.length);
      const p = parseAs(raw, config.knobs[name]);
      if (p.error) warnings.push(`knob ${name}: ${p.error}`);
      else {
        config.knobs[name] = p.value as Scalar;
        fromUrl = true;
      }
      continue;
    }
    if (!(k in rec) && !OPTIONAL_FIELDS.has(k)) {
      warnings.push(`unknown setting "${k}" ignored`);
      continue;
    }
    const p = parseAs(raw, rec[k] ?? (k === 'benchmarks' ? [] : undefined));
    if (p.error) warnings.push(`${k}: ${p.error}`);
    else {
      rec[k] = p.value;
      fromUrl = true;
    }
  }
  return { config, warnings, fromUrl };
}

/** RunConfig's optional extensions: accepted from a URL even when the preset leaves them unset. */
const OPTIONAL_FIELDS = new Set([
  'warmStartSteps',
  'sftLearningRate',
  'budgetUnit',
  'evalItems',
  'probePairs',
  'benchmarks',
  'gradClip',
  'warmupSteps',
  'dropZeroStd',
]);
