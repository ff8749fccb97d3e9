/** Resolving a domain's knobs: defaults filled in, values checked once with a clear message. */
import type { KnobSpec, Knobs } from './types.ts';

export function resolveKnobs(domain: string, specs: readonly KnobSpec[], knobs: Knobs = {}): Knobs {
  const out: Knobs = {};
  for (const name of Object.keys(knobs)) {
    if (!specs.some((s) => s.name === name)) {
      throw new Error(`unknown knob "${name}" for ${domain} (known: ${specs.map((s) => s.name).join(', ')})`);
    }
  }
  for (const s of specs) {
    const v = knobs[s.name] ?? s.default;
    if (typeof v !== typeof s.default)
      throw new Error(`knob ${domain}.${s.name} must be a ${typeof s.default} (got ${JSON.stringify(v)})`);
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new Error(`knob ${domain}.${s.name} must be finite (got ${v})`);
      if ((s.min !== undefined && v < s.min) || (s.max !== undefined && v > s.max)) {
        throw new Error(`knob ${domain}.${s.name} must be in [${s.min}, ${s.max}] (got ${v})`);
      }
    }
    if (typeof v === 'string' && s.options && !s.options.includes(v)) {
      throw new Error(`knob ${domain}.${s.name} must be one of ${s.options.join(', ')} (got ${v})`);
    }
    out[s.name] = v;
  }
  return out;
}

/** Parse `name=value` strings (CLI, URL) against the specs' types. */
export function parseKnobArgs(specs: readonly KnobSpec[], args: string[]): Knobs {
  const out: Knobs = {};
  for (const a of args) {
    const i = a.indexOf('=');
    const name = i < 0 ? a : a.slice(0, i);
    const raw = i < 0 ? 'true' : a.slice(i + 1);
    const spec = specs.find((s) => s.name === name);
    if (!spec || typeof spec.default === 'string') out[name] = raw;
    else if (typeof spec.default === 'number') out[name] = Number(raw);
    else out[name] = raw === 'true' || raw === '1';
  }
  return out;
}

export const exactReward = (answer: string, completion: string): number => (completion.trim() === answer ? 1 : 0);
