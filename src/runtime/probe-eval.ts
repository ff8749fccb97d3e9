/**
 * The cheap evaluation between full ones: the selection probe alone. Each held-out hard pair is
 * scored teacher-forced (one forward pass, no generation, no attribution), giving the selection
 * records the Selection panel draws, probe/selection's accuracy and probe/ca_loss; a few hundred milliseconds on
 * wasm where a full evaluation (greedy answers on every benchmark, attribution) takes many seconds.
 */
import type { PhasePolicy } from '../engine/policy.ts';
import type { Pair } from '../tasks/types.ts';
import { pairExample } from './domains.ts';
import { CA_LOSS_BENCHMARK } from '../results/results.ts';
import { meanCaLoss, PROBE_NAME } from './evaluate.ts';
import type { EvalRecord, SelectionRecord } from './types.ts';

export async function evaluateProbe(
  policy: PhasePolicy,
  probe: Pair[],
  opts: { step: number; seed: number; caClip: number },
): Promise<{ record: EvalRecord; selection: SelectionRecord[] }> {
  if (!probe.length) return { record: { step: opts.step, accuracies: {} }, selection: [] };
  const ex = probe.map((p) => pairExample(p, opts.seed));
  const sc = await policy.scorePairs(ex);
  const selection: SelectionRecord[] = probe.map((p, i) => ({
    pairId: p.id,
    step: opts.step,
    chosen: sc.pA[i] >= sc.pB[i] ? 'A' : 'B',
    target: ex[i].positiveLetter,
    pA: sc.pA[i],
    pB: sc.pB[i],
    delta: sc.delta[i],
    atClip: Math.abs(sc.delta[i]) >= opts.caClip,
  }));
  const accuracies = { [PROBE_NAME]: sc.accuracy, [CA_LOSS_BENCHMARK]: meanCaLoss(sc.delta, opts.caClip) };
  return { record: { step: opts.step, accuracies }, selection };
}
