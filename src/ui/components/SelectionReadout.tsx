/** What the model chose for one probe pair at one step, and how its margin moved over training. */
import type { SelectionRecord } from '../../runtime/types.ts';
import { fmt, pct } from '../lib/format.ts';
import { isCorrect } from '../lib/selection.ts';
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
        <dt>P(A)</dt>
        <dd aria-label="P(A)">{pct(rec.pA)}</dd>
        <dt>P(B)</dt>
        <dd aria-label="P(B)">{pct(rec.pB)}</dd>
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
