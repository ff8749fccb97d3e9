/** C+ and C- text side by side: word-diff changes marked, decisive spans outlined. Rendered as text only. */
import type { DecisiveSpan } from '../../tasks/types.ts';
import { diffRanges, segments, textSpans, trimRanges } from '../lib/textDiff.ts';

function Marked({
  text,
  changed,
  decisive,
  label,
}: {
  text: string;
  changed: { start: number; end: number }[];
  decisive: DecisiveSpan[];
  label: string;
}) {
  const segs = segments(text, changed, textSpans(decisive));
  return (
    <pre className="context" aria-label={label}>
      {segs.map((s) => {
        const cls = `${s.changed ? 'chg' : ''} ${s.decisive ? 'dec' : ''}`.trim();
        return cls ? (
          <mark
            key={s.start}
            className={cls}
            data-changed={s.changed || undefined}
            data-decisive={s.decisive || undefined}
          >
            {s.text}
          </mark>
        ) : (
          <span key={s.start}>{s.text}</span>
        );
      })}
    </pre>
  );
}

export function TextCompare({
  positive,
  negative,
  decisivePositive,
  decisiveNegative,
}: {
  positive: string;
  negative: string;
  decisivePositive: DecisiveSpan[];
  decisiveNegative: DecisiveSpan[];
}) {
  const d = diffRanges(positive, negative);
  return (
    <div className="text-compare">
      {d.coarse ? (
        <p className="notice" role="note">
          The contexts differ in too many places for a word-by-word diff ({positive.length.toLocaleString()} and{' '}
          {negative.length.toLocaleString()} characters): the stretch where they differ is marked as one block.
        </p>
      ) : null}
      <div>
        <h4>
          C+ <span className="help">(supports the answer)</span>
        </h4>
        <Marked text={positive} changed={trimRanges(positive, d.a)} decisive={decisivePositive} label="C+ context" />
      </div>
      <div>
        <h4>
          C− <span className="help">(the distractor)</span>
        </h4>
        <Marked text={negative} changed={trimRanges(negative, d.b)} decisive={decisiveNegative} label="C− context" />
      </div>
    </div>
  );
}
