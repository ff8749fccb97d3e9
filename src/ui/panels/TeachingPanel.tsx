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
 * example budget on hard pairs, lambda 5, lr 1e-3, held-out content) cut to 300 RL steps and 200
 * evaluation items and probe pairs, so that a lesson's runs finish in about ten minutes on a 2-core
 * CPU with wasm (docs/RESULTS.md, section 7.6).
 */
const SMALL_ABLATION: Partial<RunConfig> = {
  steps: 300,
  evalEvery: 150,
  probePairs: 200,
  evalItems: 200,
};

export const LESSONS: readonly Lesson[] = [
  {
    id: 'hard-distractors',
    title: 'Why hard distractors matter',
    preset: 'ablation-trace',
    runs: [
      { label: 'contextrl, hard pairs', overrides: { ...SMALL_ABLATION, method: 'contextrl', pairHardness: 'hard' } },
      { label: 'contextrl, easy pairs', overrides: { ...SMALL_ABLATION, method: 'contextrl', pairHardness: 'easy' } },
      {
        label: 'contextrl, random pairs',
        overrides: { ...SMALL_ABLATION, method: 'contextrl', pairHardness: 'random' },
      },
    ],
    watch: [
      'Run 1 trains the selection loss on hard pairs: C+ and C− differ only where the answer is decided. Run 2 uses easy pairs (C− differs in plain sight), run 3 an unrelated C−. Start each in turn; every run stays on the page.',
      'The probe always tests hard pairs: watch probe/selection_accuracy. Measured at full size (500 steps, 4 seeds, 500 held-out pairs): hard pairs lift it 5.5 ± 1.1 points above easy pairs in every seed, easy pairs leave it near the base model’s 56% and lift the easy-pair probe instead, and no kind of pair moves the hard items (docs/RESULTS.md, section 7).',
      'Open a pair in the inspector to see the decisive span highlighted, and the Comparison panel for the runs side by side (one seed each here: differences of a few points are noise; docs/RESULTS.md has the multi-seed record).',
    ],
  },
  {
    id: 'ablation',
    title: 'The ablation: is it the data or the objective?',
    preset: 'ablation-trace',
    runs: [
      { label: 'grpo', overrides: { ...SMALL_ABLATION, method: 'grpo' } },
      { label: 'da-rl (the pairs as RL prompts)', overrides: { ...SMALL_ABLATION, method: 'da-rl' } },
      { label: 'da-sft (the pairs as supervised data)', overrides: { ...SMALL_ABLATION, method: 'da-sft' } },
      { label: 'contextrl (the pairs through L_CA)', overrides: { ...SMALL_ABLATION, method: 'contextrl' } },
    ],
    watch: [
      'The same seed, the same example budget, the same pairs: only how the pairs are used differs. Start each run in turn.',
      'Tick the earlier runs under "Overlay runs": the legend names what differs between them (method=...).',
      "The Comparison panel puts each method's final numbers side by side with the difference from grpo. The paper's claim: the pairs help selection only through the selection objective (contextrl), not as ordinary data (da-sft, da-rl).",
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
