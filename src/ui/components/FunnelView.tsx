/** The pair builder's funnel: candidates, what each stage kept, rejections by reason. */
import type { Funnel } from '../../tasks/types.ts';

export function FunnelView({ funnel }: { funnel: Funnel }) {
  const rej = Object.entries(funnel.rejections).sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0));
  const pct = funnel.candidates ? ((100 * funnel.kept) / funnel.candidates).toFixed(1) : '0.0';
  return (
    <table className="funnel" aria-label="Funnel">
      <caption>
        Builder funnel: {funnel.kept} of {funnel.candidates} candidates kept ({pct}%)
      </caption>
      <tbody>
        <tr>
          <th scope="row">candidates</th>
          <td>{funnel.candidates}</td>
        </tr>
        {funnel.stages.map((s) => (
          <tr key={s.name}>
            <th scope="row">{s.name}</th>
            <td>{s.kept}</td>
          </tr>
        ))}
        {rej.map(([r, n]) => (
          <tr key={r} className="rej">
            <th scope="row">rejected: {r}</th>
            <td>{n}</td>
          </tr>
        ))}
        <tr>
          <th scope="row">kept</th>
          <td>{funnel.kept}</td>
        </tr>
      </tbody>
    </table>
  );
}
