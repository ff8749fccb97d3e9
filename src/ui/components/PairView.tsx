/** One contrastive pair: query, both answers, the verifier's verdict, and C+ / C- side by side. */
import type { Pair } from '../../tasks/types.ts';
import { verdictOf } from '../lib/pairSources.ts';
import { ImageCompare } from './ImageCompare.tsx';
import { TextCompare } from './TextCompare.tsx';

export function PairView({ pair }: { pair: Pair }) {
  const verdict = verdictOf(pair);
  const meta = Object.entries(pair.meta);
  return (
    <article className="pair-view" aria-label={`Pair ${pair.id}`}>
      <dl className="pair-facts">
        <dt>Query</dt>
        <dd className="q">{pair.query}</dd>
        <dt>Answer C+ supports</dt>
        <dd>{pair.answer}</dd>
        <dt>Answer C− supports</dt>
        <dd>{pair.negativeAnswer}</dd>
        <dt>Verifier</dt>
        <dd className={verdict.ok ? 'ok' : 'bad'} aria-label="Verifier verdict">
          {verdict.ok ? 'kept: no cheap cue separates the contexts' : `rejected (${verdict.reason}): ${verdict.detail}`}
        </dd>
        <dt>Labels</dt>
        <dd>
          {pair.domain} · {pair.hardness}
          {meta.length ? ' · ' + meta.map(([k, v]) => `${k}=${String(v)}`).join(', ') : ''}
        </dd>
      </dl>
      {typeof pair.positive === 'string' && typeof pair.negative === 'string' ? (
        <TextCompare
          positive={pair.positive}
          negative={pair.negative}
          decisivePositive={pair.decisivePositive}
          decisiveNegative={pair.decisiveNegative}
        />
      ) : typeof pair.positive !== 'string' && typeof pair.negative !== 'string' ? (
        <ImageCompare positive={pair.positive} negative={pair.negative} />
      ) : (
        <p className="error">One context is an image and the other is text; this pair cannot be compared.</p>
      )}
      {typeof pair.positive === 'string' ? (
        <p className="help">
          Highlighted: where the two contexts differ (word diff). Outlined: the decisive span the pair's builder names.
        </p>
      ) : (
        <p className="help">
          Difference: changed pixels in magenta over the faded C− image; Zoom: the changed region in C+ and C−.
        </p>
      )}
    </article>
  );
}
