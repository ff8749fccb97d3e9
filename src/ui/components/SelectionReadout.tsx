/**
 * What the model chose for one probe pair at one step, and how its margin moved over training.
 * The choice is read between the two letters: P(A) and P(B) are sigma(Delta) and 1 - sigma(Delta),
 * the probability of each letter given that the answer is one of the two; how much of the whole
 * next-token distribution the two letters get at all (pA + pB over the vocabulary) is shown apart.
 */
import type { SelectionRecord } from '../../runtime/types.ts';
import { fmt, pct } from '../lib/format.ts';
import { choiceBetweenLetters, isCorrect } from '../lib/selection.ts';
import { Sparkline } from './Sparkline.tsx';

export function SelectionReadout({
  rec,
  history,
  clip,
  marker,
}: {
  rec: SelectionRecord;
  history: SelectionRecord[];
  clip: number;
  marker?: number | null;
}) {
  const right = isCorrect(rec);
  const choice = choiceBetweenLetters(rec);
  const mass = rec.pA + rec.pB;
  return (
    <div className="selection-readout">
      <dl className="sel-facts" aria-label="Model choice">
        <dt>Step</dt>
        <dd>{rec.step}</dd>
        <dt>Chose</dt>
        <dd aria-label="Chosen context" data-chosen={rec.chosen} className={right ? 'ok' : 'bad'}>
          {rec.chosen} = {right ? 'C+' : 'C−'} ({right ? 'right' : 'wrong'})
        </dd>
        <dt>C+ shown as</dt>
        <dd>{rec.target}</dd>
        <dt title="σ(Δ): each letter's probability given that the answer is A or B">Between the letters</dt>
        <dd>
          A <span aria-label="P(A)">{pct(choice.A)}</span> · B <span aria-label="P(B)">{pct(choice.B)}</span>
        </dd>
        <dt title="pA + pB: the share of the whole next-token distribution on the two letters">On A or B at all</dt>
        <dd aria-label="Mass on the two letters" data-mass={mass}>
          {pct(mass, mass < 0.01 ? 2 : 1)}
          {mass < 0.1 ? (
            <span className="help"> (low: other tokens get the rest; the choice is still read from Δ)</span>
          ) : null}
        </dd>
        <dt>Margin Δ</dt>
        <dd aria-label="Margin" data-delta={rec.delta}>
          {fmt(rec.delta)}
        </dd>
        <dt>At clip c = {fmt(clip)}</dt>
        <dd aria-label="At clip">
          {rec.atClip
            ? rec.delta < 0
              ? 'yes: confidently wrong, the hard clip passes no gradient'
              : 'yes: saturated, no more gradient'
            : 'no'}
        </dd>
      </dl>
      {history.length > 1 ? (
        <Sparkline
          label="Margin over training"
          points={history.map((r) => ({ x: r.step, y: r.delta, good: isCorrect(r) }))}
          guides={[
            { y: clip, label: `+c` },
            { y: 0, label: '0' },
            { y: -clip, label: `−c` },
          ]}
          marker={marker}
        />
      ) : (
        <p className="help">The timeline appears after the probe has been evaluated twice.</p>
      )}
    </div>
  );
}
