/** The selection panel: one pair's choice, probabilities and margin over time; probe accuracy; hardest distractors. */
import { useMemo } from 'react';
import { selectPair, setStep, useInspectorStore } from '../../store/inspector.ts';
import { useRunsStore } from '../../store/runs.ts';
import { Empty, Panel, guardPanel } from '../components/Panel.tsx';
import { SelectionReadout } from '../components/SelectionReadout.tsx';
import { Sparkline } from '../components/Sparkline.tsx';
import { fmt, pct } from '../lib/format.ts';
import { accuracyOverTime, hardestByDelta, mostFlipping, recordAt, type Distractor } from '../lib/selection.ts';

function DistractorList({
  label,
  items,
  show,
}: {
  label: string;
  items: Distractor[];
  show: (d: Distractor) => string;
}) {
  if (items.length === 0) return null;
  return (
    <div>
      <h4>{label}</h4>
      <ul className="distractors" aria-label={label}>
        {items.map((d) => (
          <li key={d.pairId}>
            <button
              type="button"
              className="link"
              onClick={() => selectPair(d.pairId)}
              aria-label={`Open pair ${d.pairId}`}
            >
              {d.pairId}
            </button>{' '}
            {show(d)}
          </li>
        ))}
      </ul>
    </div>
  );
}

function SelectionPanelBody() {
  // Narrow selectors: the panel renders when the selection records or the config change, not on every progress.
  const config = useRunsStore((s) => (s.activeId ? s.runs[s.activeId]?.config : undefined));
  const selection = useRunsStore((s) => (s.activeId ? s.runs[s.activeId]?.selection : undefined));
  const pairId = useInspectorStore((s) => s.pairId);
  const step = useInspectorStore((s) => s.step);
  const acc = useMemo(() => (selection ? accuracyOverTime(selection) : []), [selection]);
  const hardest = useMemo(() => (selection ? hardestByDelta(selection) : []), [selection]);
  const flipping = useMemo(() => (selection ? mostFlipping(selection) : []), [selection]);

  if (!config || !selection || Object.keys(selection).length === 0) {
    return (
      <Panel name="Selection">
        <Empty>
          {config
            ? `Waiting for the selection probe: it is scored ${config.evalEvery > 0 ? 'before the first RL step, then ' : ''}every ${config.probeEvery || config.evalEvery || config.steps} steps and at the end.`
            : 'Start a run: the selection probe shows which context the model picks for each held-out pair, and how sure it is.'}
        </Empty>
      </Panel>
    );
  }
  // With no pair opened, the hardest distractor stands in, so the panel always shows a choice.
  const shownId = pairId ?? hardest[0]?.pairId ?? null;
  const history = shownId ? selection[shownId] : undefined;
  const rec = recordAt(history, step);
  const latestAcc = acc[acc.length - 1];
  return (
    <Panel name="Selection">
      <section aria-label="Selected pair">
        <h3>
          {pairId ? `Pair ${pairId}` : shownId ? `Pair ${shownId}` : 'No pair selected'}
          {!pairId && shownId ? <span className="help"> (the hardest distractor; open another below)</span> : null}
        </h3>
        {rec && history ? (
          <SelectionReadout rec={rec} history={history} clip={config.caClip} marker={step} />
        ) : (
          <Empty>
            {pairId
              ? "This pair is not in the run's selection probe. Open one of the pairs listed below."
              : "Open a pair below (or in the inspector) to see the model's choice."}
          </Empty>
        )}
      </section>
      <section aria-label="Probe set">
        <h3>Across the probe set</h3>
        <p aria-label="Selection accuracy">
          Selection accuracy {pct(latestAcc?.accuracy)} at step {latestAcc?.step} ({latestAcc?.n} pairs; chance is 50%)
        </p>
        <Sparkline
          label="Selection accuracy over training"
          points={acc.map((a) => ({ x: a.step, y: a.accuracy }))}
          yMin={0}
          yMax={1}
          guides={[{ y: 0.5, label: 'chance' }]}
          marker={step}
        />
        <DistractorList
          label="Hardest distractors (most negative Δ)"
          items={hardest}
          show={(d) => `Δ ${fmt(d.latest.delta)} · chose ${d.latest.chosen}${d.latest.atClip ? ' · at clip' : ''}`}
        />
        <DistractorList
          label="Choices that keep flipping"
          items={flipping}
          show={(d) => `${d.flips} flips · Δ ${fmt(d.latest.delta)}`}
        />
      </section>
    </Panel>
  );
}

/** The panel, inside its error boundary (Reset panel: its view state back to defaults). */
export const SelectionPanel = guardPanel('Selection', SelectionPanelBody, () => {
  selectPair(null);
  setStep(null);
});
