/** Names runs by how their configurations differ, for chart legends ("method=grpo, lambda=0.1"). */
import type { RunConfig } from '../../runtime/types.ts';

function flat(c: RunConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(c)) {
    if (k === 'knobs' || k === 'preset' || v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(',') : String(v);
  }
  for (const [k, v] of Object.entries(c.knobs ?? {})) out[`k.${k}`] = String(v);
  return out;
}

/** Keys whose values are not the same across all configs, in a stable order. */
export function differingKeys(configs: RunConfig[]): string[] {
  if (configs.length < 2) return [];
  const flats = configs.map(flat);
  const keys = new Set(flats.flatMap((f) => Object.keys(f)));
  return [...keys].filter((k) => new Set(flats.map((f) => f[k] ?? '∅')).size > 1).sort();
}

/** One label per config: the differing settings, or `fallback[i]` when nothing differs. */
export function legendLabels(configs: RunConfig[], fallback: string[]): string[] {
  const keys = differingKeys(configs);
  if (keys.length === 0) return fallback;
  return configs.map((c) => {
    const f = flat(c);
    return keys.map((k) => `${k}=${f[k] ?? '∅'}`).join(', ');
  });
}
