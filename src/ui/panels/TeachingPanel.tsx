/**
 * Guided presets: each sets up the run (or the runs, one after another) of one question and says
 * what to watch. A lesson with several runs has a button per run; every run stays on the page, so
 * the Comparison panel and the overlaid curves put them side by side.
 */
import { useState } from 'react';
import type { RunConfig } from '../../runtime/types.ts';
import { estimateRunSeconds, formatEstimate } from '../../config/duration.ts';
import { getPreset } from '../../config/presets.ts';
import { stepCosts, useBackendStore } from '../../store/backend.ts';
import { applyPreset } from '../../store/config.ts';
import { presetConfig } from '../../store/configSpec.ts';
import { startQueue, useQueueStore, type QueuedRun } from '../../store/queue.ts';
import { Panel, guardPanel } from '../components/Panel.tsx';

export interface LessonRun {
  /** What this run is, on its button. */
  label: string;
  overrides: Partial<RunConfig>;
}

export interface Lesson {
  id: string;
  title: string;
  preset: string;
  /** The runs to compare; the title's button sets up the first. */
  runs: LessonRun[];
  watch: string[];
}

/**
 * The record's ablation settings (the ablation-trace preset: the bundled trace model, half the
 * example budget on hard pairs, lambda 5, lr 1e-3, held-out content) cut to a size whose runs
 * finish in about ten minutes in all on a 2-core CPU with wasm: 200 evaluation items and probe
 * pairs, and fewer RL steps (docs/RESULTS.md, section 7.6 has what this size shows).
 */
const SMALL_ABLATION: Partial<RunConfig> = { probePairs: 200, evalItems: 200 };

export const LESSONS: readonly Lesson[] = [
  {
    id: 'hard-distractors',
    title: 'Why hard distractors matter',
    preset: 'ablation-trace',
    runs: [
      {
        label: 'contextrl, hard pairs',
        overrides: { ...SMALL_ABLATION, steps: 150, evalEvery: 75, method: 'contextrl', pairHardness: 'hard' },
      },
      {
        label: 'contextrl, easy pairs',
        overrides: { ...SMALL_ABLATION, steps: 150, evalEvery: 75, method: 'contextrl', pairHardness: 'easy' },
      },
      {
        label: 'contextrl, random pairs',
        overrides: { ...SMALL_ABLATION, steps: 150, evalEvery: 75, method: 'contextrl', pairHardness: 'random' },
      },
    ],
    watch: [
      'What this shows: the same contextrl run three times, only the training pairs differ. Run 1 uses hard pairs (C+ and C− differ only where the answer is decided), run 2 easy pairs (C− differs in plain sight), run 3 an unrelated C−. "Run all 3" trains them one after another.',
      'Watch probe/ca_loss, the selection loss on held-out hard pairs (Comparison panel, or the probe curves): with hard pairs it falls from about 0.90 to about 0.69 nats within 150 steps, with easy pairs it rises to about 1.02 (measured at this size, 2 seeds). That is the objective at work; whether the model selects better is what the probe tests.',
      'At this size the hard-pair probe (probe/selection_accuracy) has not separated yet. At full size (500 steps, 500 held-out pairs, 4-5 seeds) hard pairs lift it 5.5 ± 1.1 points above easy pairs in every seed, 5.3 ± 3.3 above random C− and 6.6 ± 3.0 above grpo; easy and random pairs lift the easy-pair probe instead; on documents hard minus easy is 10.1 ± 4.0. No kind of pair moves the hard items, and contextrl costs 4.2 ± 1.0 points in-distribution (docs/RESULTS.md, section 7).',
      'Open a pair in the inspector to see the decisive span highlighted. One seed per run here: differences of a few points in accuracy are noise.',
    ],
  },
  {
    id: 'ablation',
    title: 'The ablation: is it the data or the objective?',
    preset: 'ablation-trace',
    runs: [
      { label: 'grpo', overrides: { ...SMALL_ABLATION, steps: 100, evalEvery: 50, method: 'grpo' } },
      {
        label: 'da-rl (the pairs as RL prompts)',
        overrides: { ...SMALL_ABLATION, steps: 100, evalEvery: 50, method: 'da-rl' },
      },
      {
        label: 'da-sft (the pairs as supervised data)',
        overrides: { ...SMALL_ABLATION, steps: 100, evalEvery: 50, method: 'da-sft' },
      },
      {
        label: 'contextrl (the pairs through L_CA)',
        overrides: { ...SMALL_ABLATION, steps: 100, evalEvery: 50, method: 'contextrl' },
      },
    ],
    watch: [
      'What this shows: the same seed, example budget and pairs; only how the pairs are used differs. "Run all 4" trains them one after another; tick the earlier runs under "Overlay runs" to compare curves.',
      'At this size, watch probe/ca_loss on held-out hard pairs in the Comparison panel: it falls with contextrl (to about 0.7 nats within 100-150 steps, measured) and stays near 1.0 with grpo and da-rl; da-sft lowers it too (0.75-0.81), because its supervised pass on the pairs teaches the same answer letters.',
      'The paper’s claim, that the pairs help selection only through the objective, shows in the hard-pair probe after about 1000 steps: contextrl 70.2 ± 3.8% against grpo 54.7, da-sft 60.3 and da-rl 49.8 (3 seeds), while the end task does not follow at this scale (docs/RESULTS.md, section 3). At 100 steps the probe has not moved for any method.',
    ],
  },
  {
    id: 'zero-variance',
    title: 'Groups that teach nothing',
    preset: 'trace-default',
    runs: [{ label: 'grpo with G = 4', overrides: { method: 'grpo', groupSize: 4 } }],
    watch: [
      'With a small group (G = 4), many groups come back all-pass or all-fail: their advantages are zero and they teach nothing.',
      'Watch frac_reward_zero_std rise as the model gets better at easy prompts, and scrub the rollout viewer to see which groups are mixed.',
    ],
  },
];

/**
 * How long the lesson's runs take on this machine: from the RL step times the runtime measured on
 * the backend in use (src/config/duration.ts), or a note that none was measured yet.
 */
export function lessonTime(l: Lesson, status: Parameters<typeof stepCosts>[0]): string {
  const costs = stepCosts(status);
  const base = getPreset(l.preset).baseModel !== undefined;
  const each = l.runs.map((r) =>
    estimateRunSeconds({ ...presetConfig(l.preset), ...r.overrides }, costs, { baseModel: base }),
  );
  if (each.some((x) => x === undefined))
    return 'How long this takes here is shown once the lab has timed a training step on this machine.';
  const total = each.reduce((a, b) => a! + b!, 0)!;
  const where = status ? ` on ${status.name}` : '';
  return l.runs.length === 1
    ? `One run: ${formatEstimate(total)}${where} here (from a timed step).`
    : `${l.runs.length} runs: ${formatEstimate(total / l.runs.length)} each, ${formatEstimate(total)} in all${where} here (from a timed step).`;
}

/** The lesson's runs as one series (the Comparison panel shows its progress bar). */
export function lessonSeries(l: Lesson): QueuedRun[] {
  return l.runs.map((r) => {
    const base = presetConfig(l.preset);
    return {
      label: r.label,
      config: { ...base, ...r.overrides, knobs: { ...base.knobs, ...(r.overrides.knobs ?? {}) } },
    };
  });
}

function TeachingPanelBody() {
  const [open, setOpen] = useState<{ id: string; run: number } | null>(null);
  const lesson = LESSONS.find((l) => l.id === open?.id);
  const status = useBackendStore((s) => s.status);
  const seriesRunning = useQueueStore((s) => s.queue?.state === 'running');
  const [seriesNote, setSeriesNote] = useState<string | null>(null);
  const runAll = (l: Lesson) => {
    const why = startQueue(l.title, lessonSeries(l));
    setSeriesNote(
      why ?? `Training the ${l.runs.length} runs one after another: the Comparison panel shows the series’ progress.`,
    );
  };
  const setUp = (l: Lesson, run: number) => {
    applyPreset(l.preset, l.runs[run].overrides);
    setOpen({ id: l.id, run });
    setSeriesNote(null);
  };
  return (
    <Panel name="Guided presets">
      <ul className="lessons">
        {LESSONS.map((l) => (
          <li key={l.id}>
            <button type="button" aria-pressed={open?.id === l.id} onClick={() => setUp(l, 0)}>
              {l.title}
            </button>
          </li>
        ))}
      </ul>
      {lesson && open ? (
        <div className="lesson" aria-label="What to watch">
          <h3>{lesson.title}</h3>
          <p className="help" aria-label="How long">
            {lessonTime(lesson, status)}
          </p>
          {lesson.runs.length > 1 ? (
            <ol className="lesson-runs" aria-label="Runs of this lesson">
              {lesson.runs.map((r, i) => (
                <li key={r.label}>
                  <button
                    type="button"
                    className="link"
                    aria-pressed={open.run === i}
                    onClick={() => setUp(lesson, i)}
                    title="Sets up this run's configuration; press Start to train it"
                  >
                    Set up run {i + 1}: {r.label}
                  </button>
                  {open.run === i ? <span className="help"> (set up: press Start)</span> : null}
                </li>
              ))}
            </ol>
          ) : null}
          {lesson.runs.length > 1 ? (
            <p>
              <button type="button" onClick={() => runAll(lesson)} disabled={seriesRunning}>
                Run all {lesson.runs.length} one after another
              </button>{' '}
              {seriesNote ? (
                <span className="help" role="status">
                  {seriesNote}
                </span>
              ) : null}
            </p>
          ) : null}
          <ul>
            {lesson.watch.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      ) : (
        <p className="help">Each sets up the configuration; press Start and follow what it says to watch.</p>
      )}
    </Panel>
  );
}

/** The panel, inside its error boundary. */
export const TeachingPanel = guardPanel('Guided presets', TeachingPanelBody);
