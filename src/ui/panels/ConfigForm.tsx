/**
 * The run configuration: one compact row per setting (label, a field as wide as its values), its
 * one-sentence help under it while it has focus (or always, with "Explain each setting"), and its
 * inline error. Locked fields read as values, with the reason at the top.
 */
import { useState } from 'react';
import type { RunConfig } from '../../config/fields.ts';
import { applyPreset, setField, setKnob, useConfigStore } from '../../store/config.ts';
import { FIELDS, PRESETS, rangeText, type ConfigErrors, type FieldSpec } from '../../store/configSpec.ts';
import { domains } from '../../tasks/index.ts';
import type { Domain, KnobSpec } from '../../tasks/types.ts';

function NumberInput({
  id,
  value,
  invalid,
  describedBy,
  disabled,
  onValue,
}: {
  id: string;
  value: number;
  invalid: boolean;
  describedBy: string;
  disabled: boolean;
  onValue: (v: number) => void;
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
      id={id}
      type="text"
      inputMode="decimal"
      value={draft}
      disabled={disabled}
      aria-invalid={invalid}
      aria-describedby={describedBy}
      onChange={(e) => {
        setDraft(e.target.value);
        const t = e.target.value.trim();
        onValue(t === '' ? NaN : Number(t));
      }}
    />
  );
}

/** One knob of the domain's generator (src/tasks/<domain>/index.ts KnobSpec), with its inline error. */
function KnobField({ spec, disabled }: { spec: KnobSpec; disabled: boolean }) {
  const key = `knobs.${spec.name}`;
  const value = useConfigStore((s) => (s.config.knobs ?? {})[spec.name] ?? spec.default);
  const error = useConfigStore((s) => s.errors[key]);
  const id = `f-knob-${spec.name}`;
  const helpId = `h-knob-${spec.name}`;
  const errId = `e-knob-${spec.name}`;
  const describedBy = error ? `${errId} ${helpId}` : helpId;
  const range =
    typeof spec.default === 'number'
      ? [spec.min !== undefined ? `from ${spec.min}` : '', spec.max !== undefined ? `up to ${spec.max}` : '']
          .filter(Boolean)
          .join(', ')
      : '';
  return (
    <div className={`field ${error ? 'field-error' : ''}`}>
      <label htmlFor={id}>{spec.name}</label>
      {spec.options ? (
        <select
          id={id}
          value={String(value)}
          disabled={disabled}
          aria-invalid={!!error}
          aria-describedby={describedBy}
          onChange={(e) => setKnob(spec.name, e.target.value)}
        >
          {spec.options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
          {spec.options.includes(String(value)) ? null : <option value={String(value)}>{String(value)}</option>}
        </select>
      ) : typeof spec.default === 'boolean' ? (
        <input
          id={id}
          type="checkbox"
          checked={value === true}
          disabled={disabled}
          aria-describedby={describedBy}
          onChange={(e) => setKnob(spec.name, e.target.checked)}
        />
      ) : (
        <NumberInput
          id={id}
          value={Number(value)}
          invalid={!!error}
          describedBy={describedBy}
          disabled={disabled}
          onValue={(v) => setKnob(spec.name, v)}
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
          id={`f-${spec.key}`}
          value={value as number}
          invalid={!!error}
          describedBy={describedBy}
          disabled={disabled}
          onValue={(v) => setField(spec.key, v as RunConfig[typeof spec.key])}
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

/** Errors under no field of the form (a cross-field rule, a field the form does not show): listed, never hidden. */
function otherErrors(errors: ConfigErrors, knobSpecs: readonly KnobSpec[]): [string, string][] {
  const shown = new Set<string>([...FIELDS.map((f) => f.key), ...knobSpecs.map((k) => `knobs.${k.name}`)]);
  return Object.entries(errors).filter((e): e is [string, string] => !shown.has(e[0]) && typeof e[1] === 'string');
}

export function ConfigForm({ locked }: { locked: boolean }) {
  const [explain, setExplain] = useState(false);
  const preset = useConfigStore((s) => s.config.preset);
  const domain = useConfigStore((s) => s.config.domain);
  const errors = useConfigStore((s) => s.errors);
  const basic = FIELDS.filter((f) => !f.advanced);
  const advanced = FIELDS.filter((f) => f.advanced);
  const knobSpecs = (domains as Record<string, Domain | undefined>)[domain]?.knobs ?? [];
  const knobErrors = Object.keys(errors).some((k) => k.startsWith('knobs.'));
  const advancedErrors = advanced.some((f) => errors[f.key]);
  const others = otherErrors(errors, knobSpecs);
  return (
    <form
      className={`config ${locked ? 'locked' : ''} ${explain ? 'explain' : ''}`}
      aria-label="Run configuration"
      onSubmit={(e) => e.preventDefault()}
    >
      {locked ? (
        <p className="lock-note">
          <span aria-hidden="true">🔒</span> Settings are locked while a run trains; pause it to change them (Start then
          begins a new run).
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
      {/* Open whenever a setting inside it has an error, so every error that disables Start is in view. */}
      <details open={knobErrors || advancedErrors || undefined}>
        <summary>Advanced</summary>
        {advanced.map((f) => (
          <Field key={f.key} spec={f} disabled={locked} />
        ))}
        {knobSpecs.length ? (
          <fieldset className="knobs" aria-label="Domain knobs">
            <legend>Domain knobs ({domain})</legend>
            {knobSpecs.map((k) => (
              <KnobField key={k.name} spec={k} disabled={locked} />
            ))}
          </fieldset>
        ) : null}
      </details>
      {others.map(([k, message]) => (
        <p key={k} className="error" role="alert">
          {k === '_form' ? message : `${k}: ${message}`}
        </p>
      ))}
    </form>
  );
}
