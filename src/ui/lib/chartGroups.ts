/**
 * How the curves are laid out: the charts that tell the story first, the rest in collapsible
 * groups, and for every metric a plain title and one line on what it is and what a healthy curve
 * looks like. Names follow METHOD.md section 7 (TRL's).
 */

export interface ChartGroup {
  id: string;
  title: string;
  /** Open when the page loads. */
  open: boolean;
  /** Metric names or prefixes ending in '/*'; the first group that matches takes the metric. */
  members: readonly string[];
}

export const CHART_GROUPS: readonly ChartGroup[] = [
  {
    id: 'story',
    title: 'The story: reward, selection and evaluations',
    open: true,
    members: ['reward', 'probe/selection_accuracy', 'loss/ca', 'ca/margin_mean', 'eval/*'],
  },
  {
    id: 'selection',
    title: 'The selection objective (L_CA) in detail',
    open: false,
    members: ['probe/*', 'ca/*', 'rewards/selection/mean'],
  },
  {
    id: 'grounding',
    title: 'Where the model looks',
    open: false,
    members: ['grounding/*'],
  },
  {
    id: 'rewards',
    title: 'Rewards, groups and completions',
    open: false,
    members: ['reward_std', 'rewards/*', 'frac_reward_zero_std', 'completions/*', 'data/*'],
  },
  {
    id: 'update',
    title: 'The policy update (GRPO)',
    open: false,
    members: ['loss/grpo', 'kl', 'entropy', 'clip_ratio/*', 'grad_norm', 'loss', 'loss/sft', 'lr'],
  },
  { id: 'other', title: 'Other metrics', open: false, members: ['*'] },
];

function matches(pattern: string, name: string): boolean {
  if (pattern === '*') return true;
  return pattern.endsWith('/*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

/** The group a metric belongs to and its rank within the group (members' order). */
export function groupOf(name: string): { group: ChartGroup; rank: number } {
  for (const group of CHART_GROUPS) {
    const rank = group.members.findIndex((p) => matches(p, name));
    if (rank >= 0) return { group, rank };
  }
  return { group: CHART_GROUPS[CHART_GROUPS.length - 1], rank: 0 };
}

/** Metric names sorted into the groups (groups without metrics left out), in group and member order. */
export function groupMetrics(names: Iterable<string>): { group: ChartGroup; names: string[] }[] {
  const by = new Map<string, { rank: number; name: string }[]>();
  for (const name of new Set(names)) {
    const { group, rank } = groupOf(name);
    by.set(group.id, [...(by.get(group.id) ?? []), { rank, name }]);
  }
  return CHART_GROUPS.filter((g) => by.has(g.id)).map((group) => ({
    group,
    names: by
      .get(group.id)!
      .sort((a, b) => a.rank - b.rank || a.name.localeCompare(b.name))
      .map((x) => x.name),
  }));
}

export interface MetricInfo {
  /** Plain words for the chart's title. */
  title: string;
  /** One line: what it is, and what a healthy curve looks like. */
  explain: string;
  /** A fraction: a 0..1 axis in percent. */
  fraction?: boolean;
  /** A value the eye needs: chance, ln 2 ... */
  guide?: { y: number; label: string };
}

const LN2 = Math.log(2);

const INFO: Record<string, MetricInfo> = {
  reward: {
    title: 'Reward',
    explain:
      'Mean reward of the step’s sampled completions (1 = right answer). Healthy: rises, then levels off; a fall to 0 means the policy collapsed.',
  },
  reward_std: {
    title: 'Reward spread',
    explain:
      'Standard deviation of the batch’s rewards. Healthy: above 0; near 0 every completion scores alike and GRPO has nothing to compare.',
  },
  frac_reward_zero_std: {
    title: 'Groups that teach nothing',
    explain:
      'Share of groups whose G completions all got the same reward (zero advantage). Healthy: well below 100%; it creeps up as prompts get solved.',
    fraction: true,
  },
  'probe/selection_accuracy': {
    title: 'Selection probe',
    explain:
      'Held-out hard pairs where the model picks C+ over C−. Chance is 50%; healthy: climbs above it (contextrl should lead).',
    fraction: true,
    guide: { y: 0.5, label: 'chance' },
  },
  'probe/selection_easy_accuracy': {
    title: 'Selection on easy pairs',
    explain:
      'Held-out easy pairs (the contexts differ plainly) where the model picks C+. Healthy: high from the start.',
    fraction: true,
    guide: { y: 0.5, label: 'chance' },
  },
  'probe/ca_loss': {
    title: 'L_CA on the probe',
    explain:
      'The selection loss on the held-out hard pairs, in nats. ln 2 ≈ 0.69 is a coin flip; healthy: falls below it.',
    guide: { y: LN2, label: 'ln 2' },
  },
  'loss/ca': {
    title: 'Selection loss L_CA',
    explain:
      'L_CA = −log σ(Δ) on the step’s pairs, Δ clipped to [−c, c]. ln 2 ≈ 0.69 is a coin flip; healthy: falls below it.',
    guide: { y: LN2, label: 'ln 2' },
  },
  'ca/margin_mean': {
    title: 'Selection margin Δ',
    explain:
      'Mean Δ = logit(C+ letter) − logit(C− letter) on the step’s pairs. 0 is no preference; healthy: rises above 0.',
    guide: { y: 0, label: '0' },
  },
  'ca/clip_frac': {
    title: 'Pairs at the clip',
    explain:
      'Share of pairs with |Δ| ≥ c, where the hard clip passes no gradient. Healthy: low; high with Δ < 0 means confident mistakes L_CA cannot fix.',
    fraction: true,
  },
  'ca/accuracy': {
    title: 'Training pairs chosen right',
    explain: 'Share of the step’s training pairs with Δ > 0 (C+ preferred). Healthy: rises above 50%.',
    fraction: true,
    guide: { y: 0.5, label: 'chance' },
  },
  'rewards/selection/mean': {
    title: 'Reward on pair prompts',
    explain: 'Mean reward of completions to pair prompts (da-rl: the pairs as ordinary RL data). Healthy: rises.',
  },
  'rewards/answer/mean': {
    title: 'Reward on items',
    explain: 'Mean answer reward on the ordinary prompts of the step. Healthy: rises, then levels off.',
  },
  'grounding/decisive_share': {
    title: 'Looks at the decisive span (pairs)',
    explain:
      'Share of the attribution of Δ (gradient × input) on the probe pairs that lands on the decisive span. Healthy: rises.',
    fraction: true,
  },
  'grounding/items_decisive_share': {
    title: 'Looks at the decisive span (items)',
    explain:
      'The same share on hard end-task items, one context each: does the habit carry over to the task? Healthy: rises.',
    fraction: true,
  },
  'completions/mean_length': {
    title: 'Completion length',
    explain: 'Mean completion length in tokens (end token included). Healthy: steady, below the maximum.',
  },
  'completions/clipped_ratio': {
    title: 'Completions cut off',
    explain: 'Share of completions that reached the maximum length without ending. Healthy: near 0.',
    fraction: true,
  },
  'data/items': { title: 'Items per step', explain: 'Ordinary prompts in the step (the pair share takes the rest).' },
  'data/pairs': { title: 'Pairs per step', explain: 'Contrastive pairs in the step (from the pair share).' },
  kl: {
    title: 'KL to the reference',
    explain:
      'How far the policy has moved from the starting model. Healthy: small and growing slowly; a jump is a lurch.',
  },
  entropy: {
    title: 'Entropy',
    explain:
      'Mean per-token entropy of the samples, in nats. Healthy: falls slowly; a crash to 0 early ends exploration.',
  },
  'clip_ratio/low_mean': {
    title: 'Ratio clipped low',
    explain: 'Share of tokens whose probability ratio fell below 1 − ε low. Healthy: a few percent at most.',
    fraction: true,
  },
  'clip_ratio/high_mean': {
    title: 'Ratio clipped high',
    explain: 'Share of tokens whose probability ratio rose above 1 + ε high. Healthy: a few percent at most.',
    fraction: true,
  },
  'clip_ratio/region_mean': {
    title: 'Ratio clipped (either side)',
    explain:
      'Share of tokens outside the trust region [1 − ε low, 1 + ε high]. Healthy: a few percent; more means steps too large.',
    fraction: true,
  },
  grad_norm: {
    title: 'Gradient norm',
    explain: 'Global gradient norm before clipping. Healthy: steady; spikes mean unstable updates.',
  },
  'loss/grpo': {
    title: 'GRPO loss',
    explain: 'The clipped surrogate loss. Its level says little (advantages average to 0); watch for spikes.',
  },
  loss: { title: 'Total loss', explain: 'The loss the step minimised (GRPO + λ·L_CA, or the supervised loss).' },
  'loss/sft': {
    title: 'Supervised loss',
    explain: 'Cross-entropy of the warm-start or DA-SFT targets. Healthy: falls.',
  },
  lr: { title: 'Learning rate', explain: 'The optimizer’s step size at this step (warm-up, then constant).' },
};

/** The chart's title and explanation; evaluation sets get theirs from the benchmark's name. */
export function metricInfo(name: string): MetricInfo {
  const known = INFO[name];
  if (known) return known;
  const evalSet = /^eval\/(.+)\/accuracy$/.exec(name);
  if (evalSet) {
    const b = evalSet[1];
    const hard = /hard|needle/.test(b);
    return {
      title: `Accuracy: ${b}`,
      explain: hard
        ? `Greedy accuracy on the held-out ${b} set (no shortcut to lean on). Healthy: rises or holds; a fall while in-distribution rises is a shortcut being learned.`
        : `Greedy accuracy on the held-out ${b} set. Healthy: rises or holds.`,
      fraction: true,
    };
  }
  if (name.startsWith('rewards/'))
    return { title: `Reward: ${name.slice(8).replace(/\/mean$/, '')}`, explain: 'Mean of one reward function.' };
  if (name.endsWith('_loss')) return { title: name, explain: 'A loss, in nats.' };
  const fraction = /accuracy|ratio|frac|share/.test(name);
  return { title: name, explain: fraction ? 'A fraction of the batch.' : 'Reported by the run.', fraction };
}
