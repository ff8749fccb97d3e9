/**
 * Shared helpers of the Node entry points: flag parsing with clear errors, and a progress bar with
 * an ETA on stderr (so stdout stays clean for tables and JSON).
 */

export type FlagSpec = Record<
  string,
  { type: 'string' | 'number' | 'boolean'; default?: string | number | boolean; help: string }
>;
export type Flags<S extends FlagSpec> = {
  [K in keyof S]: S[K]['type'] extends 'number' ? number : S[K]['type'] extends 'boolean' ? boolean : string;
} & { _: string[] };

/** `--name value`, `--name=value`, `--flag`, `--no-flag`. Unknown flags and bad numbers throw with the flag's name. */
export function parseFlags<S extends FlagSpec>(argv: string[], spec: S): Flags<S> {
  const out: Record<string, unknown> = { _: [] as string[] };
  for (const [k, v] of Object.entries(spec)) if (v.default !== undefined) out[k] = v.default;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      (out._ as string[]).push(a);
      continue;
    }
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    let value = inline;
    if (!(name in spec) && name.startsWith('no-') && spec[name.slice(3)]?.type === 'boolean') {
      out[name.slice(3)] = false;
      continue;
    }
    const s = spec[name];
    if (!s)
      throw new Error(
        `unknown flag --${name} (known: ${Object.keys(spec)
          .map((k) => `--${k}`)
          .join(', ')})`,
      );
    if (s.type === 'boolean') {
      out[name] = value === undefined ? true : value !== 'false' && value !== '0';
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new Error(`--${name} needs a value`);
    }
    if (s.type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new Error(`--${name} must be a number (got "${value}")`);
      out[name] = n;
    } else out[name] = value;
  }
  return out as Flags<S>;
}

export function usage(command: string, spec: FlagSpec): string {
  const rows = Object.entries(spec).map(
    ([k, v]) =>
      `  --${k}${v.type === 'boolean' ? '' : ` <${v.type}>`}`.padEnd(28) +
      v.help +
      (v.default !== undefined && v.default !== false ? ` (default ${v.default})` : ''),
  );
  return [`usage: ${command} [flags]`, ...rows].join('\n');
}

/** "1h02m", "3m05s", "12s". */
export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '--';
  const s = Math.round(sec);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/**
 * A one-line progress bar on stderr: `[#####.....] 42% 21/50 grpo seed 1 · 1m10s elapsed · ETA 1m36s`.
 * The ETA is linear in completed work units; callers weigh units by expected cost. On a non-TTY
 * stderr (a log file) it prints a line at most every `logEverySec` seconds instead of redrawing.
 */
export class ProgressBar {
  private done = 0;
  private readonly t0 = Date.now();
  private lastLog = 0;
  private readonly tty: boolean;

  constructor(
    private total: number,
    private readonly width = 24,
    private readonly logEverySec = 10,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  setTotal(total: number): void {
    this.total = total;
  }

  /** Sets completed units (absolute) and the label, and redraws. */
  update(done: number, label = ''): void {
    this.done = Math.min(done, this.total);
    const frac = this.total > 0 ? this.done / this.total : 0;
    const elapsed = (Date.now() - this.t0) / 1000;
    const eta = frac > 0 ? (elapsed * (1 - frac)) / frac : NaN;
    const filled = Math.round(frac * this.width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(this.width - filled)}] ${(100 * frac).toFixed(0).padStart(3)}% ${label} · ${formatDuration(elapsed)} elapsed · ETA ${formatDuration(eta)}`;
    if (this.tty) this.stream.write(`\r\x1b[2K${line}`);
    else if (Date.now() - this.lastLog >= this.logEverySec * 1000 || this.done >= this.total) {
      this.lastLog = Date.now();
      this.stream.write(line + '\n');
    }
  }

  /** Prints a message above the bar. */
  log(msg: string): void {
    if (this.tty) this.stream.write(`\r\x1b[2K${msg}\n`);
    else this.stream.write(msg + '\n');
  }

  finish(label = 'done'): void {
    this.update(this.total, label);
    if (this.tty) this.stream.write('\n');
  }
}
