/**
 * The run configuration: one compact row per setting (label, a field as wide as its values), its
 * one-sentence help under it while it has focus (or always, with "Explain each setting"), and its
 * inline error. Locked fields read as values, with the reason at the top.
 */
import { useState } from 'react';
import type { RunConfig } from '../../config/fields.ts';
import { applyPreset, setField, useConfigStore } from '../../store/config.ts';
import { FIELDS, PRESETS, rangeText, type FieldSpec } from '../../store/configSpec.ts';

function NumberInput({
  spec,
  value,
  invalid,
  describedBy,
  disabled,
}: {
  spec: FieldSpec;
  value: number;
  invalid: boolean;
  describedBy: string;
  disabled: boolean;
}) {
  const [draft, setDraft] = useState(String(value));
  const [seen, setSeen] = useState(value);
  if (!Object.is(seen, value)) {
    // An outside change (preset, URL) replaces the draft; our own edits already match it
    // (state adjusted during render, as React's docs recommend over an effect).
    setSeen(value);
    if (!(Number(draft) === value || (draft.trim() === '' && Number.isNaN(value)))) setDraft(String(value));
  }
  return (
    <input
      id={`f-${spec.key}`}
      type="text"
      inputMode="decimal"
      value={draft}
      disabled={disabled}
      aria-invalid={invalid}
      aria-describedby={describedBy}
      onChange={(e) => {
        setDraft(e.target.value);
        const t = e.target.value.trim();
        setField(spec.key, (t === '' ? NaN : Number(t)) as RunConfig[typeof spec.key]);
      }}
    />
  );
}

function Field({ spec, disabled }: { spec: FieldSpec; disabled: boolean }) {
  const value = useConfigStore((s) => s.config[spec.key]);
  const error = useConfigStore((s) => s.errors[spec.key]);
  const helpId = `h-${spec.key}`;
  const range = rangeText(spec);
  const errId = `e-${spec.key}`;
  const describedBy = error ? `${errId} ${helpId}` : helpId;
  return (
    <div className={`field ${error ? 'field-error' : ''}`}>
      <label htmlFor={`f-${spec.key}`}>{spec.label}</label>
      {spec.kind === 'select' ? (
        <select
          id={`f-${spec.key}`}
          value={String(value)}
          disabled={disabled}
          aria-invalid={!!error}
          aria-describedby={describedBy}
          onChange={(e) => setField(spec.key, e.target.value as RunConfig[typeof spec.key])}
        >
          {spec.options?.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      ) : spec.kind === 'bool' ? (
        <input
          id={`f-${spec.key}`}
          type="checkbox"
          checked={Boolean(value)}
          disabled={disabled}
          aria-describedby={describedBy}
          onChange={(e) => setField(spec.key, e.target.checked as RunConfig[typeof spec.key])}
        />
      ) : (
        <NumberInput
          spec={spec}
          value={value as number}
          invalid={!!error}
          describedBy={describedBy}
          disabled={disabled}
        />
      )}
      {error ? (
        <p className="error" id={errId} role="alert">
          {error}
        </p>
      ) : null}
      <p className="help" id={helpId}>
        {spec.help}
        {range ? ` (${range})` : ''}
      </p>
    </div>
  );
}

export function ConfigForm({ locked }: { locked: boolean }) {
  const [explain, setExplain] = useState(false);
  const preset = useConfigStore((s) => s.config.preset);
  const formError = useConfigStore((s) => s.errors._form);
  const knobs = useConfigStore((s) => s.config.knobs);
  const basic = FIELDS.filter((f) => !f.advanced);
  const advanced = FIELDS.filter((f) => f.advanced);
  const knobEntries = Object.entries(knobs);
  const errors = useConfigStore((s) => s.errors);
  const knobErrors = Object.entries(errors).filter(([k]) => k.startsWith('knobs.')) as [string, string][];
  return (
    <form
      className={`config ${locked ? 'locked' : ''} ${explain ? 'explain' : ''}`}
      aria-label="Run configuration"
      onSubmit={(e) => e.preventDefault()}
    >
      {locked ? (
        <p className="lock-note">
          <span aria-hidden="true">🔒</span> Settings are locked while a run is active; Reset to change them.
        </p>
      ) : null}
      <label className="form-tools">
        <input type="checkbox" checked={explain} onChange={(e) => setExplain(e.target.checked)} /> Explain each setting
      </label>
      <div className="field preset">
        <label htmlFor="f-preset">Preset</label>
        <select id="f-preset" value={preset} disabled={locked} onChange={(e) => applyPreset(e.target.value)}>
          {PRESETS.map((p) => (
            <option key={p.name} value={p.name} title={p.description}>
              {p.title}
            </option>
          ))}
          {PRESETS.some((p) => p.name === preset) ? null : <option value={preset}>{preset}</option>}
        </select>
        <p className="help">
          {PRESETS.find((p) => p.name === preset)?.description ??
            'A starting point; every setting below can be changed and the URL keeps the changes.'}
        </p>
      </div>
      {basic.map((f) => (
        <Field key={f.key} spec={f} disabled={locked} />
      ))}
      <details open={knobErrors.length > 0 || undefined}>
        <summary>Advanced</summary>
        {advanced.map((f) => (
          <Field key={f.key} spec={f} disabled={locked} />
        ))}
        {knobEntries.length ? (
          <p className="help">Domain knobs: {knobEntries.map(([k, v]) => `${k}=${String(v)}`).join(', ')}</p>
        ) : null}
        {knobErrors.map(([k, message]) => (
          <p key={k} className="error" role="alert">
            {message}
          </p>
        ))}
      </details>
      {formError ? (
        <p className="error" role="alert">
          {formError}
        </p>
      ) : null}
    </form>
  );
}
