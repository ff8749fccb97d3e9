/** The rollout viewer: one step's groups of G completions with reward, advantage and per-token log-probs. */
import { memo, useDeferredValue, useState } from 'react';
import type { RolloutGroup } from '../../runtime/types.ts';
import { setStep, useInspectorStore } from '../../store/inspector.ts';
import { useMetricsStore } from '../../store/metrics.ts';
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

export const GroupView = memo(function GroupView({ g, index }: { g: RolloutGroup; index: number }) {
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
});

/** The step's data counts from its metric row ('items|pairs'), or '' before the row arrived. */
function useStepCounts(runId: string | undefined, step: number | undefined): { items?: number; pairs?: number } {
  const key = useMetricsStore((s) => {
    const rows = runId ? s.byRun[runId]?.rows : undefined;
    if (!rows || step === undefined) return '';
    for (let i = rows.length - 1; i >= 0; i--) {
      const r = rows[i];
      if (r.step === step) return `${r['data/items'] ?? ''}|${r['data/pairs'] ?? ''}`;
      if (r.step < step) break;
    }
    return '';
  });
  const [items, pairs] = key.split('|');
  return { items: items ? Number(items) : undefined, pairs: pairs ? Number(pairs) : undefined };
}

/**
 * Why the viewer shows fewer groups than the step's prompts: a group is one prompt with its G
 * completions; the runtime sends the first few; pairs go to L_CA (contextrl, da-sft) or are sampled
 * as groups too (da-rl).
 */
export function groupsNote(o: {
  shown: number;
  groupSize: number;
  promptsPerStep: number;
  method: string;
  items?: number;
  pairs?: number;
}): string {
  const sampled = o.items === undefined ? undefined : o.items + (o.method === 'da-rl' ? (o.pairs ?? 0) : 0);
  const head = `The first ${o.shown}${sampled !== undefined ? ` of this step’s ${sampled}` : ''} groups. A group is one prompt with its G = ${o.groupSize} sampled completions; prompts per step (${o.promptsPerStep}) counts item prompts and pairs.`;
  if (o.items === undefined || !o.pairs) return head;
  const where =
    o.method === 'da-rl'
      ? 'sampled as groups too (da-rl)'
      : o.method === 'contextrl'
        ? 'scored by L_CA, not sampled'
        : 'not sampled';
  return `${head} This step: ${o.items} items, each sampled as a group, and ${o.pairs} pairs, ${where}.`;
}

const NO_STEPS: number[] = [];
const NO_GROUPS: RolloutGroup[] = [];

function RolloutViewerBody() {
  const runId = useRunsStore((s) => s.activeId ?? undefined);
  const steps = useRunsStore((s) => (s.activeId ? s.runs[s.activeId]?.rolloutSteps : undefined)) ?? NO_STEPS;
  const rollouts = useRunsStore((s) => (s.activeId ? s.runs[s.activeId]?.rollouts : undefined));
  const config = useRunsStore((s) => (s.activeId ? s.runs[s.activeId]?.config : undefined));
  const want = useInspectorStore((s) => s.step);
  const [tag, setTag] = useState<'any' | RolloutGroup['tag']>('any');
  const step = nearestStep(steps, want);
  const counts = useStepCounts(runId, step);
  // A new step's tables render at low priority, interrupted by input.
  const deferredGroups = useDeferredValue((step !== undefined ? rollouts?.[step] : undefined) ?? NO_GROUPS);
  if (!rollouts || !config || step === undefined) {
    return (
      <Panel name="Rollouts">
        <Empty>
          Start a run: each RL step's sampled groups appear here, with rewards, advantages and per-token
          log-probabilities.
        </Empty>
      </Panel>
    );
  }
  const groups = deferredGroups;
  const tags = { 'all-pass': 0, 'all-fail': 0, mixed: 0 };
  for (const g of groups) tags[g.tag]++;
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
          {groups.length} groups shown: {tags.mixed} mixed (they teach), {tags['all-pass']} all-pass and{' '}
          {tags['all-fail']} all-fail (zero advantage)
        </span>
      </div>
      <p className="help" aria-label="Which groups">
        {groupsNote({
          shown: groups.length,
          groupSize: config.groupSize,
          promptsPerStep: config.batchSize,
          method: config.method,
          ...counts,
        })}
      </p>
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
