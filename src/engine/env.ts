/**
 * The engine's A/B switches: in Node an environment variable set to 0 turns one speed-up off
 * (CONTEXTRL_KV_CACHE, CONTEXTRL_CPU_KERNELS, CONTEXTRL_FUSED_ADAM, CONTEXTRL_FUSED_DECODE); in a browser nothing is set.
 */
export function switchedOff(name: string): boolean {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name] === '0';
}

/** Set to 1: force a speed-up on where it would not be picked by default (CONTEXTRL_FUSED_DECODE). */
export function switchedOn(name: string): boolean {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name] === '1';
}
