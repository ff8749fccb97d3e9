import { useEffect } from 'react';
import { initBackend, type BackendName } from '../engine/backend.ts';
import { setBackendError, setBackendStatus } from '../store/backend.ts';
import { BackendBadge } from './components/BackendBadge.tsx';
import { wasmPaths } from './wasmPaths.ts';

function backendOrderFromUrl(): BackendName[] | undefined {
  const b = new URLSearchParams(location.search).get('backend');
  if (b === 'wasm') return ['wasm', 'cpu'];
  if (b === 'cpu') return ['cpu'];
  return undefined;
}

let started = false;

export function App() {
  useEffect(() => {
    if (started) return; // StrictMode runs effects twice; the backend is chosen once per page
    started = true;
    initBackend({ order: backendOrderFromUrl(), wasmPaths }).then(setBackendStatus, (e: Error) => setBackendError(e.message));
  }, []);
  return (
    <div className="app">
      <header className="app-header">
        <h1>ContextRL Lab</h1>
        <p className="tagline">GRPO and the context-selection objective, trained on your GPU.</p>
        <BackendBadge />
      </header>
      <main className="layout" aria-label="Lab" />
    </div>
  );
}
