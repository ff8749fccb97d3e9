/**
 * Where the model looks: one pair's C+ and C- with a heat map of the attribution of the selection
 * margin Delta over their tokens or patches, the decisive span outlined and the grounding score
 * (decisive share) shown; a slider over the run's kept checkpoints to watch the heat move, and a
 * second run beside the first on the same pair.
 */
import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ATTRIBUTION_LABELS, ATTRIBUTION_METHODS, type AttributionMethod } from '../../config/names.ts';
import { requestAttribution, resultKey, setAttributionMethod, useGroundingStore } from '../../store/grounding.ts';
import { selectPair, useInspectorStore } from '../../store/inspector.ts';
import { useRunsStore, type RunEntry } from '../../store/runs.ts';
import type { Pair, RGBImage } from '../../tasks/types.ts';
import type { AttributionReply } from '../../worker/attribute.ts';
import { HeatImage } from '../components/HeatImage.tsx';
import { HeatText } from '../components/HeatText.tsx';
import { Empty, Panel, guardPanel } from '../components/Panel.tsx';
import { displayHeat, formatShare } from '../lib/heat.ts';
import { useKnownPairs } from './PairInspector.tsx';

const NO_UNITS: number[] = [];

/** C+ and C- of one attribution reply, side by side, on a shared heat scale. */
export function GroundingPairView({
  pair,
  reply,
}: {
  pair: Pair;
  reply: Pick<AttributionReply, 'contexts' | 'scores' | 'score' | 'objective'>;
}) {
  const heat = displayHeat(reply.contexts, reply.scores);
  const per = reply.score.contexts;
  return (
    <div className="grounding-pair">
      <p className="grounding-score">
        Decisive share <strong aria-label="Decisive share">{formatShare(reply.score.share)}</strong>
        {per.length === 2 ? (
          <>
            {' '}
            (C+ {formatShare(per[0].share)}, C− {formatShare(per[1].share)})
          </>
        ) : null}
        <span className="help">
          {' '}
          · Δ = {reply.objective.toFixed(2)} · {formatShare(reply.score.contextMass)} of the attribution on the contexts
        </span>
      </p>
      {per.length === 2 ? (
        <p className="help" aria-label="How the decisive share is made">
          {formatShare(reply.score.share)} = {formatShare(per[0].mass)} × {formatShare(per[0].share)} +{' '}
          {formatShare(per[1].mass)} × {formatShare(per[1].share)}: C+ holds {formatShare(per[0].mass)} of the contexts’
          attribution and {formatShare(per[0].share)} of that lies on its decisive span; C− holds{' '}
          {formatShare(per[1].mass)}, {formatShare(per[1].share)} of it on its span. The per-context numbers are shares
          of each context’s own attribution, so the pair’s share is their average weighted by where the attribution
          went.
        </p>
      ) : null}
      <div className="text-compare">
        {reply.contexts.map((c, k) => {
          const isPos = c.role !== 'negative';
          const ctx = isPos ? pair.positive : pair.negative;
          const spans = isPos ? pair.decisivePositive : pair.decisiveNegative;
          const name = c.role === 'positive' ? 'C+' : c.role === 'negative' ? 'C−' : 'Context';
          const label = `${name} heat map`;
          return (
            <div key={c.role}>
              <h4>
                {name}
                {c.letter ? (
                  <span className="help">
                    {' '}
                    (option {c.letter}, {formatShare(per[k]?.share ?? 0)} on its decisive span)
                  </span>
                ) : null}
              </h4>
              {c.kind === 'text' && typeof ctx === 'string' ? (
                <HeatText text={ctx} ranges={c.charRanges ?? []} heat={heat[k]} decisive={c.decisive} label={label} />
              ) : (
                <HeatImage
                  image={ctx as RGBImage}
                  heat={heat[k]}
                  perSide={c.patchesPerSide ?? 1}
                  decisive={c.decisive}
                  regions={spans}
                  label={label}
                />
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}

function stepLabel(unit: number, reply?: AttributionReply): string {
  if (!reply) return `unit ${unit}`;
  return reply.rlStep > 0 ? `RL step ${reply.rlStep}` : `before RL (unit ${unit})`;
}

function RunColumn({ run, pair, method }: { run: RunEntry; pair: Pair; method: AttributionMethod }) {
  const units = useGroundingStore((s) => s.checkpoints[run.id]) ?? NO_UNITS;
  const [index, setIndex] = useState<number | null>(null); // null follows the latest checkpoint
  const i = index === null ? units.length - 1 : Math.min(index, units.length - 1);
  const unit = units[i];
  const key = unit === undefined ? '' : resultKey(run.id, unit, pair.id, method);
  const entry = useGroundingStore((s) => (key ? s.results[key] : undefined));
  useEffect(() => {
    if (unit !== undefined) requestAttribution(run.id, unit, pair, method);
  }, [run.id, unit, pair, method]);
  const reply = entry?.state === 'done' ? entry.reply : undefined;
  return (
    <section className="grounding-run" aria-label={`Grounding of ${run.name}`}>
      <h3>{run.name}</h3>
      {units.length === 0 ? (
        <Empty>No checkpoint of this run yet: one is kept every 25 units and when the run pauses or ends.</Empty>
      ) : (
        <>
          <label className="inline">
            Checkpoint
            <input
              type="range"
              min={0}
              max={units.length - 1}
              value={i}
              aria-label={`Checkpoint of ${run.name}`}
              aria-valuetext={stepLabel(unit, reply)}
              onChange={(e) => setIndex(Number(e.target.value))}
              disabled={units.length < 2}
            />
            <output>
              {stepLabel(unit, reply)} ({i + 1} of {units.length})
            </output>
          </label>
          {entry?.state === 'error' ? (
            <p className="error" role="alert">
              {entry.message}
            </p>
          ) : null}
          {!entry || entry.state === 'pending' ? (
            <p className="help" role="status">
              Computing attribution…
            </p>
          ) : null}
          {reply && reply.pairId === pair.id ? <GroundingPairView pair={pair} reply={reply} /> : null}
        </>
      )}
    </section>
  );
}

function GroundingViewBody() {
  const runs = useRunsStore(useShallow((s) => s.order.map((id) => s.runs[id])));
  const activeId = useRunsStore((s) => s.activeId);
  const method = useGroundingStore((s) => s.method);
  const pairId = useInspectorStore((s) => s.pairId);
  const known = useKnownPairs();
  const [first, setFirst] = useState<string>(''); // '' follows the active run
  const [second, setSecond] = useState<string>('');
  const runA = runs.find((r) => r.id === (first || activeId));
  const runB = runs.find((r) => r.id === second && r.id !== runA?.id);
  const pair = (pairId ? known.get(pairId) : undefined) ?? runA?.probe?.[0] ?? known.first();
  const runOptions = (value: string, onChange: (v: string) => void, label: string, none: string) => (
    <label className="inline">
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)} aria-label={label}>
        <option value="">{none}</option>
        {runs.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <Panel name="Grounding" className="wide">
      <div className="toolbar">
        <label className="inline">
          Attribution
          <select
            value={method}
            onChange={(e) => setAttributionMethod(e.target.value as AttributionMethod)}
            aria-label="Attribution method"
          >
            {ATTRIBUTION_METHODS.map((m) => (
              <option key={m} value={m}>
                {ATTRIBUTION_LABELS[m]}
              </option>
            ))}
          </select>
        </label>
        {runOptions(first, setFirst, 'Run', 'the active run')}
        {runOptions(second, setSecond, 'Compare with', 'no second run')}
      </div>
      <p className="help">
        Heat: how much each token or patch drives the selection margin Δ = logit(C+ letter) − logit(C− letter);
        outlined: the decisive span. The decisive share is the part of the contexts' attribution that lands on it (1 =
        all of it).
        {pair ? (
          <>
            {' '}
            Pair <code>{pair.id}</code> ({pair.hardness}); open another in the pair inspector.
          </>
        ) : null}
      </p>
      <details className="method-note">
        <summary>Why do the two methods give different shares?</summary>
        They answer different questions. Gradient × input asks what moves Δ: how much Δ would change with each token
        (its gradient times its embedding), so a token the model reads but that does not tip the choice gets little.
        Attention rollout asks where information flows: how much attention, multiplied through the layers, reaches each
        token from the position that answers, whether or not it changes Δ. A model can attend to the decisive span
        without it deciding the margin (rollout high, gradient × input low), or be swayed by a few tokens it barely
        attends to. Compare shares within one method, across steps or runs; not across methods.
      </details>
      {!runA ? (
        <Empty>
          Start a run: its checkpoints show here, with the attribution of the probe pair you open in the pair inspector.
        </Empty>
      ) : !pair ? (
        <Empty>Open a pair in the pair inspector to see where the model looks.</Empty>
      ) : (
        <div className={runB ? 'grounding-runs two-col' : 'grounding-runs'}>
          <RunColumn key={runA.id} run={runA} pair={pair} method={method} />
          {runB ? <RunColumn key={runB.id} run={runB} pair={pair} method={method} /> : null}
        </div>
      )}
    </Panel>
  );
}

/** The panel, inside its error boundary (Reset panel: its view state back to defaults). */
export const GroundingView = guardPanel('Grounding', GroundingViewBody, () => selectPair(null));
