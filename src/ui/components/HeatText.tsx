/** A text context with a heat map over its tokens and the decisive span outlined. Rendered as text only. */
import type { TokenRange } from '../../engine/grounding.ts';
import { DECISIVE_OUTLINE, heatColor, heatRuns } from '../lib/heat.ts';

export function HeatText({
  text,
  ranges,
  heat,
  decisive,
  label,
}: {
  text: string;
  ranges: TokenRange[];
  heat: number[];
  decisive: number[];
  label: string;
}) {
  const runs = heatRuns(text, ranges, heat, decisive);
  return (
    <pre className="context heat-text" aria-label={label}>
      {runs.map((run) => {
        const inner = run.segments.map((s) =>
          s.token === undefined ? (
            <span key={s.start}>{s.text}</span>
          ) : (
            <mark
              key={s.start}
              data-token={s.token}
              data-heat={s.heat.toFixed(3)}
              title={`attribution ${(100 * s.heat).toFixed(0)}% of the maximum`}
              style={{ background: heatColor(s.heat), color: 'inherit', borderRadius: 2 }}
            >
              {s.text}
            </mark>
          ),
        );
        const key = run.segments[0].start;
        return run.decisive ? (
          <span
            key={key}
            data-decisive="true"
            aria-label="decisive span"
            style={{ outline: `2px solid ${DECISIVE_OUTLINE}`, outlineOffset: 1, borderRadius: 2 }}
          >
            {inner}
          </span>
        ) : (
          <span key={key}>{inner}</span>
        );
      })}
    </pre>
  );
}
