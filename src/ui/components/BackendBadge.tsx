import type { BackendStatus } from '../../engine/backend.ts';
import { useBackendStore } from '../../store/backend.ts';

function ms(x: number): string {
  return Number.isFinite(x) ? (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`) : '–';
}

/** The badge's tooltip: the self-test, how the backend was chosen (with the timings), what was skipped. */
export function badgeTitle(status: BackendStatus): string {
  const c = status.choice;
  return [
    `Active backend: ${status.name}`,
    `Self-test ${status.selfTest.ok ? 'passed' : 'failed'} (max relative difference to cpu ${status.selfTest.maxRelDiff.toExponential(1)}, ${status.selfTest.ms.toFixed(0)} ms)`,
    c?.mode === 'setting' ? 'Chosen in the settings (Backend).' : '',
    c?.mode === 'auto' && c.decision?.reason !== 'WebGPU is not available'
      ? 'Backend setting auto: the faster of WebGPU and wasm for this run, measured.'
      : '',
    c?.decision ? `Why: ${c.decision.reason}.` : '',
    c?.remembered ? 'Measured on this machine on an earlier visit.' : '',
    ...(c?.timings ?? []).map((t) =>
      Number.isFinite(t.webgpuMs)
        ? `One RL step at ${t.batch} prompt${t.batch === 1 ? '' : 's'}: WebGPU ${ms(t.webgpuMs)}, wasm ${ms(t.wasmMs)}`
        : `One RL step at ${t.batch} prompt${t.batch === 1 ? '' : 's'}: ${ms(t.wasmMs)}`,
    ),
    ...status.skipped.map((s) => `Skipped ${s.name}: ${s.reason}`),
  ]
    .filter(Boolean)
    .join('\n');
}

/**
 * The backend at a glance: green when it is WebGPU or was measured the faster, amber for a
 * fallback, with the reason in the text ("wasm (2 threads): 6.8x faster than WebGPU on SwiftShader
 * here") and the timings in the tooltip.
 */
export function BackendBadge() {
  const status = useBackendStore((s) => s.status);
  const error = useBackendStore((s) => s.error);
  if (error)
    return (
      <span className="badge badge-error" role="status" aria-label="Backend">
        Backend error: {error}
      </span>
    );
  if (!status)
    return (
      <span className="badge" role="status" aria-label="Backend">
        Starting backend…
      </span>
    );
  if (status.deciding)
    return (
      <span className="badge" role="status" aria-label="Backend" data-deciding="true" title={badgeTitle(status)}>
        {status.label}
      </span>
    );
  const measured = status.choice?.mode === 'auto' && status.choice.decision !== undefined;
  const kind = status.name === 'webgpu' ? 'badge-gpu' : measured ? 'badge-measured' : 'badge-fallback';
  return (
    <span
      className={`badge ${kind}`}
      role="status"
      aria-label="Backend"
      title={badgeTitle(status)}
      data-backend={status.name}
      data-selftest={status.selfTest.ok ? 'passed' : 'failed'}
    >
      {status.label}
      <span className="badge-sub"> · self-test {status.selfTest.ok ? 'passed' : 'failed'}</span>
    </span>
  );
}
