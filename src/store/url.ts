/**
 * The whole run configuration in the URL, so a link reproduces a setup.
 * Format: `?v=1&preset=<name>&<field>=<value>...&k.<knob>=<value>` where only values that differ
 * from the preset's config are written (Sequence Toy style). Numbers use their shortest exact
 * form, booleans `true`/`false`, lists comma-separated. `v` is the format version.
 * Reading a link, every value is parsed by its field's kind in the configuration table and
 * validated with the run configuration's rules before use; a value that fails is dropped (the
 * preset's value stays) and named in a warning, so no link can leave the page unusable.
 */
import { isFieldName, RUN_FIELDS, type FieldSpec, type RunConfig } from '../config/fields.ts';
import { PRESETS } from '../config/presets.ts';
import { knobNames, validateRunConfig } from '../config/run-config.ts';
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

/** Parses `raw` to the type of `like` (a knob's current value; guesses when there is none). */
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

/** A field's value from the link, parsed by the field's kind in the table. */
function parseField(raw: string, spec: FieldSpec): { value?: unknown; error?: string } {
  switch (spec.kind) {
    case 'int':
    case 'float':
      return parseAs(raw, 0);
    case 'bool':
      return parseAs(raw, false);
    case 'list':
      return parseAs(raw, []);
    default:
      return { value: raw };
  }
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
  // A config loaded from a file may lack knobs: the link then names none (the URL is no place to fail).
  const knobs = config.knobs && typeof config.knobs === 'object' ? config.knobs : {};
  for (const k of Object.keys(knobs).sort()) {
    const v = knobs[k];
    if (!same(v, base.knobs[k])) q.set(KNOB + k, fmt(v));
  }
  return q.toString();
}

export interface Decoded {
  config: RunConfig;
  warnings: string[];
  /** true when the URL named anything */ fromUrl: boolean;
}

/** Short, printable form of a value from a link (it may hold anything). */
function shown(raw: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this removes
  const s = raw.replace(/[\u0000-\u001f\u007f]/g, '?');
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

/** Rebuilds a config from a query string; bad or unknown entries become warnings, never throw. */
export function decodeConfig(search: string, defaultPreset = 'trace-default'): Decoded {
  const q = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  const warnings: string[] = [];
  const v = q.get('v');
  if (v !== null && v !== String(URL_VERSION))
    warnings.push(`URL format version ${shown(v).slice(1, -1)} is not ${URL_VERSION}; reading it as ${URL_VERSION}`);
  const presetName = q.get('preset');
  const known = presetName !== null && Object.prototype.hasOwnProperty.call(PRESETS, presetName);
  if (presetName !== null && !known) warnings.push(`unknown preset ${shown(presetName)}: using ${defaultPreset}`);
  const base = presetConfig(known ? presetName : defaultPreset);
  const config = presetConfig(known ? presetName : defaultPreset);
  const rec = config as unknown as Record<string, unknown>;
  /** Where each value taken from the link came from, by field ('knobs.<name>' for knobs). */
  const fromLink = new Map<string, string>();
  const fromUrl = known;
  for (const [k, raw] of q) {
    if (k === 'v' || k === 'preset') continue;
    if (k.startsWith(KNOB)) {
      const name = k.slice(KNOB.length);
      if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) {
        warnings.push(`unknown knob ${shown(name)} ignored`);
        continue;
      }
      const p = parseAs(raw, config.knobs[name]);
      if (p.error) warnings.push(`knob ${name}: ${p.error}`);
      else {
        config.knobs[name] = p.value as Scalar;
        fromLink.set(`knobs.${name}`, raw);
      }
      continue;
    }
    if (!isFieldName(k) || RUN_FIELDS[k].kind === 'knobs' || k === 'preset') {
      warnings.push(`unknown setting ${shown(k)} ignored`);
      continue;
    }
    const p = parseField(raw, RUN_FIELDS[k]);
    if (p.error) warnings.push(`${k}: ${p.error}`);
    else {
      rec[k] = p.value;
      fromLink.set(k, raw);
    }
  }
  // Validate with the run configuration's rules; a link value that breaks one goes back to the
  // preset's and is named (each round removes at least one, so this ends).
  for (let round = 0; round <= fromLink.size; round++) {
    const r = validateRunConfig(config);
    if (r.ok) break;
    const bad = r.issues.filter((i) => fromLink.has(i.field));
    if (!bad.length) break;
    for (const { field, message } of bad) {
      if (!fromLink.has(field)) continue;
      warnings.push(`${message}: the link's value was not used`);
      fromLink.delete(field);
      if (field.startsWith('knobs.')) {
        const name = field.slice('knobs.'.length);
        if (Object.prototype.hasOwnProperty.call(base.knobs, name)) config.knobs[name] = base.knobs[name];
        else delete config.knobs[name];
      } else rec[field] = (base as unknown as Record<string, unknown>)[field];
    }
  }
  // A knob the (final) domain does not declare would be carried along unused: dropped and named.
  const declared = knobNames(config.domain);
  for (const key of [...fromLink.keys()]) {
    if (!key.startsWith('knobs.')) continue;
    const name = key.slice('knobs.'.length);
    if (declared.includes(name)) continue;
    warnings.push(`unknown knob ${shown(name)} for domain ${config.domain} ignored`);
    fromLink.delete(key);
    if (Object.prototype.hasOwnProperty.call(base.knobs, name)) config.knobs[name] = base.knobs[name];
    else delete config.knobs[name];
  }
  return { config, warnings, fromUrl: fromUrl || fromLink.size > 0 };
}
