/** Guided presets: set up a run and say in a few sentences what to watch. */
import { useState } from 'react';
import type { RunConfig } from '../../runtime/types.ts';
import { applyPreset } from '../../store/config.ts';
import { Panel, guardPanel } from '../components/Panel.tsx';

export interface Lesson {
  id: string;
  title: string;
  preset: string;
  overrides: Partial<RunConfig>;
  watch: string[];
}

export const LESSONS: readonly Lesson[] = [
  {
    id: 'hard-distractors',
    title: 'Why hard distractors matter',
    preset: 'trace-default',
    overrides: { method: 'contextrl' },
    watch: [
      'The two contexts of every pair differ only where the answer is decided: open a pair in the inspector and look at the highlighted span.',
      'Watch probe/selection_accuracy: a model that picks the right context climbs above the 50% chance line; ca/margin_mean rises with it.',
      'ca/clip_frac shows how many pairs sit at the clip c, where the hard clip passes no gradient, even when the model is confidently wrong.',
      'The selection panel lists the hardest distractors: pairs with the most negative margin, where the model prefers C−.',
    ],
  },
  {
    id: 'ablation',
    title: 'The ablation: is it the data or the objective?',
    preset: 'trace-default',
    overrides: { method: 'grpo' },
    watch: [
      'This sets up plain grpo. Run it, then set Method to da-rl and Start again, then contextrl, keeping the seed: every run stays on the page.',
      'Tick the earlier runs under "Overlay runs": the legend names what differs between them (method=...).',
      "The comparison view puts each method's final accuracy side by side with its difference from grpo. The paper's claim: the pairs help only through the selection objective (contextrl), not as ordinary data (da-rl).",
    ],
  },
  {
    id: 'zero-variance',
    title: 'Groups that teach nothing',
    preset: 'trace-default',
    overrides: { method: 'grpo', groupSize: 4 },
    watch: [
      'With a small group (G = 4), many groups come back all-pass or all-fail: their advantages are zero and they teach nothing.',
      'Watch frac_reward_zero_std rise as the model gets better at easy prompts, and scrub the rollout viewer to see which groups are mixed.',
    ],
  },
];

function TeachingPanelBody() {
  const [open, setOpen] = useState<string | null>(null);
  const lesson = LESSONS.find((l) => l.id === open);
  return (
    <Panel name="Guided presets">
      <ul className="lessons">
        {LESSONS.map((l) => (
          <li key={l.id}>
            <button
              type="button"
              aria-pressed={open === l.id}
              onClick={() => {
                applyPreset(l.preset, l.overrides);
                setOpen(l.id);
              }}
            >
              {l.title}
            </button>
          </li>
        ))}
      </ul>
      {lesson ? (
        <div className="lesson" aria-label="What to watch">
          <h3>{lesson.title}</h3>
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
