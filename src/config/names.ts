/**
 * Names and labels the page shows and the engine uses, kept free of tfjs so the page can import
 * them (src/engine/attribution.ts re-exports the attribution ones).
 */

/** How the Grounding view attributes a decision to input tokens or image patches. */
export const ATTRIBUTION_METHODS = ['grad-input', 'rollout'] as const;
export type AttributionMethod = (typeof ATTRIBUTION_METHODS)[number];
export const ATTRIBUTION_LABELS: Record<AttributionMethod, string> = {
  'grad-input': 'gradient × input',
  rollout: 'attention rollout',
};
