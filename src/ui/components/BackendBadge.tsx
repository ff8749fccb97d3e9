import { useBackendStore } from '../../store/backend.ts';

/** The backend at a glance: green for WebGPU, amber for a fallback, with the reason in the text. */
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
  const kind = status.name === 'webgpu' ? 'badge-gpu' : 'badge-fallback';
  const title = [
    `Active backend: ${status.name}`,
    `Self-test ${status.selfTest.ok ? 'passed' : 'failed'} (max relative difference to cpu ${status.selfTest.maxRelDiff.toExponential(1)}, ${status.selfTest.ms.toFixed(0)} ms)`,
    ...status.skipped.map((s) => `Skipped ${s.name}: ${s.reason}`),
  ].join('\n');
  return (
    <span
      className={`badge ${kind}`}
      role="status"
      aria-label="Backend"
      title={title}
      data-backend={status.name}
      data-selftest={status.selfTest.ok ? 'passed' : 'failed'}
    >
      {status.label}
      <span className="badge-sub"> · self-test {status.selfTest.ok ? 'passed' : 'failed'}</span>
    </span>
  );
}
