/** The rollout viewer: one step's groups of G completions with reward, advantage and per-token log-probs. */
import { useState } from 'react';
import type { RolloutGroup } from '../../runtime/types.ts';
import { setStep, useInspectorStore } from '../../store/inspector.ts';
import { useRunsStore } from '../../store/runs.ts';
import { Empty, Panel, guardPanel } from '../components/Panel.tsx';
import { fmt, signed } from '../lib/format.ts';

/** The largest step in `steps` at or before `want` (the latest when want is null). */
export function nearestStep(steps: number[], want: number | null): number | undefined {
  if (steps.length === 0) return undefined;
  if (want === null) return steps[steps.length - 1];
  let best = steps[0];
  for (const s of steps) if (s <= want) best = s;
  return best;
}

/** Background for a token by its log-probability: confident tokens pale, surprising ones deep orange. */
function tokenShade(logp: number): string {
  const p = Math.exp(Math.max(-10, Math.min(0, logp)));
  return `rgba(234, 88, 12, ${(0.08 + 0.6 * (1 - p)).toFixed(2)})`;
}

export function GroupView({ g, index }: { g: RolloutGroup; index: number }) {
  return (
    <article className={`group tag-${g.tag}`} aria-label={`Group ${index + 1}`}>
      <header>
        <span className={`tag ${g.tag}`}>{g.tag}</span>{' '}
        <span>
          answer <code>{g.answer}</code>
        </span>
        <details>
          <summary>prompt</summary>
          <pre className="prompt">{g.prompt}</pre>
        </details>
      </header>
      <table className="completions">
        <thead>
          <tr>
            <th>#</th>
            <th>completion (tokens shaded by −log p)</th>
            <th>reward</th>
            <th>advantage</th>
          </tr>
        </thead>
        <tbody>
          {g.completions.map((c, i) => (
            <tr key={i}>
              <td>{i + 1}</td>
              <td className="tokens">
                {c.tokens.length ? (
                  c.tokens.map((t, j) => (
                    <span
                      key={j}
                      className="tok"
                      style={{ background: tokenShade(c.logp[j] ?? 0) }}
                      title={`log p = ${fmt(c.logp[j])}`}
                    >
                      {t}
                    </span>
                  ))
                ) : (
                  <span className="tok">{c.text || '∅'}</span>
                )}
              </td>
              <td className={c.reward > 0 ? 'ok' : 'bad'}>{fmt(c.reward)}</td>
              <td>{signed(c.advantage)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </article>
  );
}

function RolloutViewerBody() {
  const run = useRunsStore((s) => (s.activeId ? s.runs[s.activeId] : undefined));
  const want = useInspectorStore((s) => s.step);
  const [tag, setTag] = useState<'any' | RolloutGroup['tag']>('any');
  const steps = run?.rolloutSteps ?? [];
  const step = nearestStep(steps, want);
  if (!run || step === undefined) {
    return (
      <Panel name="Rollouts">
        <Empty>
          Start a run: each RL step's sampled groups appear here, with rewards, advantages and per-token
          log-probabilities.
        </Empty>
      </Panel>
    );
  }
  const groups = run.rollouts[step] ?? [];
  const counts = { 'all-pass': 0, 'all-fail': 0, mixed: 0 };
  for (const g of groups) counts[g.tag]++;
  const shown = groups.filter((g) => tag === 'any' || g.tag === tag);
  const idx = steps.indexOf(step);
  return (
    <Panel name="Rollouts" className="wide">
      <div className="toolbar">
        <label className="slider">
          Step
          <input
            type="range"
            min={0}
            max={steps.length - 1}
            value={idx}
            aria-label="Rollout step"
            aria-valuetext={`step ${step}`}
            onChange={(e) => setStep(steps[Number(e.target.value)])}
          />
          <output>{step}</output>
        </label>
        <button type="button" className="link" onClick={() => setStep(null)} disabled={want === null}>
          follow latest
        </button>
        <label className="inline">
          Show
          <select value={tag} onChange={(e) => setTag(e.target.value as typeof tag)} aria-label="Group tag">
            <option value="any">all groups</option>
            <option value="mixed">mixed</option>
            <option value="all-pass">all-pass</option>
            <option value="all-fail">all-fail</option>
          </select>
        </label>
        <span className="help">
          {groups.length} groups: {counts.mixed} mixed (they teach), {counts['all-pass']} all-pass and{' '}
          {counts['all-fail']} all-fail (zero advantage)
        </span>
      </div>
      <div className="groups">
        {shown.map((g, i) => (
          <GroupView key={i} g={g} index={i} />
        ))}
      </div>
    </Panel>
  );
}

/** The panel, inside its error boundary (Reset panel: its view state back to defaults). */
export const RolloutViewer = guardPanel('Rollouts', RolloutViewerBody, () => setStep(null));
