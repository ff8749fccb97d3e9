/**
 * Attribution for the grounding view, run where training runs (the worker, or the main-thread
 * fallback): decode a run checkpoint the page kept, rebuild its model and tokenizer, and ground
 * one pair the way the run's selection probe shows it (C+ on the run seed's side). The last
 * decoded model is cached, so switching method or pair on the same checkpoint does not decode again.
 */
import { groundLayouts, pairLayout, toReport, type GroundingReport } from '../engine/grounding.ts';
import type { AttributionMethod } from '../engine/attribution.ts';
import type { Transformer } from '../engine/model.ts';
import type { Tokenizer } from '../engine/tokenizer.ts';
import { planBudget } from '../runtime/budget.ts';
import { unpackRunCheckpoint } from '../runtime/run-checkpoint.ts';
import { makeTokenizer } from '../runtime/domains.ts';
import { modelFromArrays } from '../runtime/weights.ts';
import { pairSideSeed } from '../tasks/prompts.ts';
import type { Pair } from '../tasks/types.ts';

export interface AttributionReply extends GroundingReport {
  pairId: string;
  /** The checkpoint's unit of work and the RL step it corresponds to (<= 0 before RL). */
  unit: number;
  rlStep: number;
}

interface Loaded {
  key: string;
  model: Transformer;
  tok: Tokenizer;
  seed: number;
  unit: number;
  rlStep: number;
}
let cached: Loaded | undefined;

function load(runId: string, buffer: ArrayBuffer): Loaded {
  const ck = unpackRunCheckpoint(buffer);
  const m = ck.meta;
  const unit = m.kind === 'run' ? m.unit : 0;
  const key = `${runId}@${unit}@${m.savedAt}`;
  if (cached?.key === key) return cached;
  disposeAttributionCache();
  const model = modelFromArrays(m.modelConfig, ck.tensors, 'w/', false);
  const rlStep = m.kind === 'run' ? unit - m.warmUnits - planBudget(m.config, m.tokenRatio).daSftSteps : 0;
  cached = {
    key,
    model,
    tok: makeTokenizer(m.vocabulary),
    seed: m.kind === 'run' ? m.config.seed : m.seed,
    unit,
    rlStep,
  };
  return cached;
}

export async function attributeFromCheckpoint(
  runId: string,
  checkpoint: ArrayBuffer,
  pair: Pair,
  method: AttributionMethod,
): Promise<AttributionReply> {
  const l = load(runId, checkpoint);
  const [r] = await groundLayouts(l.model, l.tok, [pairLayout(l.tok, pair, pairSideSeed(pair.id, l.seed))], method);
  return { ...toReport(l.tok, r), pairId: pair.id, unit: l.unit, rlStep: l.rlStep };
}

export function disposeAttributionCache(): void {
  cached?.model.dispose();
  cached = undefined;
}
