import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { createLabClient } from '../worker/client.ts';
import { rememberedChoice, useBackendStore } from '../store/backend.ts';
import { configQuery, loadConfigFromUrl, useConfigStore, dismissUrlWarnings } from '../store/config.ts';
import { useRunsStore } from '../store/runs.ts';
import { connect, queueActions, useSessionStore } from '../store/session.ts';
import { bindQueue } from '../store/queue.ts';
import { startPersistence } from '../store/persistence.ts';
import { BackendBadge } from './components/BackendBadge.tsx';
import { Panel, PanelBoundary } from './components/Panel.tsx';
import { ComparisonView } from './panels/ComparisonView.tsx';
import { ConfigForm } from './panels/ConfigForm.tsx';
import { CurvesPanel } from './panels/CurvesPanel.tsx';
import { ExportPanel } from './panels/ExportPanel.tsx';
import { GroundingView } from './panels/GroundingView.tsx';
import { PairInspector } from './panels/PairInspector.tsx';
import { RolloutViewer } from './panels/RolloutViewer.tsx';
import { RunControls, useRunShortcuts } from './panels/RunControls.tsx';
import { SelectionPanel } from './panels/SelectionPanel.tsx';
import { TeachingPanel } from './panels/TeachingPanel.tsx';
import { wasmPaths } from './wasmPaths.ts';

let booted = false;

/** Once per page: the config from the URL, then the training runtime (it reports the backend). */
function boot(): void {
  if (booted) return; // StrictMode renders twice; the runtime starts once per page
  booted = true;
  loadConfigFromUrl(location.search);
  const client = createLabClient();
  connect(client);
  bindQueue(queueActions); // an ablation series continues with the next run when one finishes
  const config = useConfigStore.getState().config;
  // The backend setting (auto: the runtime times a step of this config on WebGPU and wasm).
  client.post({
    type: 'init',
    backend: config.backend,
    config,
    remembered: rememberedChoice(),
    wasmPaths,
    baseUrl: import.meta.env.BASE_URL,
  });
  void startPersistence(
    (message) => useSessionStore.setState({ lastError: message }),
    (notice) => useSessionStore.setState({ storageNotice: notice }),
  );
}

/** Keeps the address bar in step with the config (replaceState: no history entry per keystroke). */
function useConfigInUrl(): void {
  const config = useConfigStore((s) => s.config);
  useEffect(() => {
    const q = configQuery();
    if (location.search.slice(1) !== q) history.replaceState(null, '', `${location.pathname}?${q}${location.hash}`);
  }, [config]);
}

function CopyLink() {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="link"
      aria-label="Copy link to this setup"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(location.href);
          setCopied(true);
          setTimeout(() => setCopied(false), 1500);
        } catch {
          setCopied(false);
        }
      }}
    >
      {copied ? 'Link copied' : 'Copy link'}
    </button>
  );
}

/**
 * The settings drawer: open while a run is being set up; on a viewport too narrow for settings,
 * curves and the selected pair side by side it closes when a run starts (the toggle reopens it).
 */
function useSettingsDrawer(running: boolean): [boolean, () => void] {
  const [open, setOpen] = useState(true);
  const [wasRunning, setWasRunning] = useState(running);
  if (running !== wasRunning) {
    setWasRunning(running);
    if (running && window.innerWidth < 1400) setOpen(false);
  }
  return [open, () => setOpen((o) => !o)];
}

/** The run bar's height as --runbar-h, so the sticky settings and selection sit just below it. */
function useRunbarHeight() {
  const ref = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() =>
      document.documentElement.style.setProperty('--runbar-h', `${el.offsetHeight}px`),
    );
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return ref;
}

export function App() {
  useState(boot);
  useConfigInUrl();
  useRunShortcuts();
  const fallback = useBackendStore((s) => s.fallbackNotice);
  const urlWarnings = useConfigStore((s) => s.urlWarnings);
  const runState = useRunsStore((s) => (s.activeId ? s.runs[s.activeId]?.state : undefined));
  // Settings lock only while a run trains; changing a paused run's settings makes Start fork a new run.
  const locked = runState === 'running' || runState === 'warming';
  const [settingsOpen, toggleSettings] = useSettingsDrawer(runState === 'running' || runState === 'warming');
  const runbar = useRunbarHeight();
  return (
    <div className="app">
      <header className="app-header">
        <h1>ContextRL Lab</h1>
        <p className="tagline">GRPO and the context-selection objective, trained on your GPU.</p>
        <BackendBadge />
      </header>
      {fallback ? (
        <p className="banner" role="alert">
          {fallback}
        </p>
      ) : null}
      {urlWarnings.length ? (
        <div className="banner" role="alert">
          Some settings in the link were not used: {urlWarnings.join('; ')}.{' '}
          <button type="button" className="link" onClick={dismissUrlWarnings}>
            dismiss
          </button>
        </div>
      ) : null}
      <div className="runbar" role="region" aria-label="Run" ref={runbar}>
        <button
          type="button"
          className="settings-toggle"
          aria-expanded={settingsOpen}
          aria-controls="settings"
          onClick={toggleSettings}
          title={settingsOpen ? 'Hide the settings' : 'Show the settings'}
        >
          {settingsOpen ? '◂ Settings' : '▸ Settings'}
        </button>
        <PanelBoundary name="Run controls">
          <RunControls />
        </PanelBoundary>
      </div>
      <main className={`layout ${settingsOpen ? 'with-settings' : ''}`} aria-label="Lab">
        <aside className="sidebar" id="settings" hidden={!settingsOpen}>
          <Panel name="Configuration" actions={<CopyLink />}>
            <ConfigForm locked={locked} />
          </Panel>
          <TeachingPanel />
          <ExportPanel />
        </aside>
        <div className="content">
          <div className="top-row">
            <CurvesPanel />
            <SelectionPanel />
          </div>
          <RolloutViewer />
          <PairInspector />
          <GroundingView />
          <ComparisonView />
        </div>
      </main>
    </div>
  );
}
