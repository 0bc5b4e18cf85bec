/**
 * The simulation form's model: defaults small enough to run in seconds, the policy parameters
 * (the kinds, their labels and hints come from the engine through 'sim.policies'), labels and parameter defaults from the domain (as the engine gives them), a light client-side check (the service validates
 * again and names the field), and the specs of the λ / ε sweeps.
 */
import type { PolicyDescription, PolicySpec, SimulationDetail, SimulationSpec } from '../../../../src-main/service/contract';
import { DEFAULT_EPSILON, DEFAULT_LAMBDA, policyLabel } from '../../../../src-main/domain/simulation-vocabulary';

export { DEFAULT_EPSILON, DEFAULT_LAMBDA, policyLabel };

/** What the form needs of a policy kind: the engine's descriptions, loaded with 'sim.policies'. */
export type PolicyOption = Pick<PolicyDescription, 'kind' | 'label' | 'parameter' | 'hint'>;

/** Small enough to finish in seconds (also in the browser tests). */
export function defaultSpec(): SimulationSpec {
  return {
    name: 'engagement vs diversity',
    seed: 42,
    users: 200,
    items: 300,
    topics: 8,
    rounds: 30,
    slateSize: 10,
    newItemsPerRound: 5,
    retrainEvery: 5,
    drift: 0.05,
    extremeDrift: 0,
    churnAfter: 0,
    startupRounds: 3,
    policies: [
      { kind: 'random' },
      { kind: 'popularity' },
      { kind: 'oracle' },
      { kind: 'greedy-mf' },
      { kind: 'epsilon-greedy', epsilon: DEFAULT_EPSILON },
      { kind: 'mmr', lambda: DEFAULT_LAMBDA },
      { kind: 'calibrated', lambda: DEFAULT_LAMBDA },
    ],
  };
}

/** A policy with only the parameter its kind takes (the service rejects the others). */
export function cleanPolicy(policy: PolicySpec, options: readonly PolicyOption[]): PolicySpec {
  const option = options.find((entry) => entry.kind === policy.kind);
  const clean: PolicySpec = { kind: policy.kind };
  if (option === undefined) {
    // descriptions not loaded (yet): send what the form holds; the service validates it
    if (policy.epsilon !== undefined) clean.epsilon = policy.epsilon;
    if (policy.lambda !== undefined) clean.lambda = policy.lambda;
  }
  const parameter = option?.parameter ?? null;
  if (parameter === 'epsilon') clean.epsilon = policy.epsilon ?? DEFAULT_EPSILON;
  if (parameter === 'lambda') clean.lambda = policy.lambda ?? DEFAULT_LAMBDA;
  if (policy.label !== undefined && policy.label.trim() !== '') clean.label = policy.label.trim();
  return clean;
}

type NumericField = Exclude<keyof SimulationSpec, 'name' | 'policies'>;

export const SPEC_FIELDS: readonly { field: NumericField; label: string; min: number; max: number; step: number; integer: boolean; hint: string }[] = [
  { field: 'users', label: 'Users', min: 2, max: 100_000, step: 1, integer: true, hint: 'Simulated people.' },
  { field: 'items', label: 'Items', min: 2, max: 1_000_000, step: 1, integer: true, hint: 'Catalogue size at the start.' },
  { field: 'topics', label: 'Topics', min: 2, max: 100, step: 1, integer: true, hint: 'Latent topics of users and items.' },
  { field: 'rounds', label: 'Rounds', min: 1, max: 10_000, step: 1, integer: true, hint: 'One slate per user per round.' },
  { field: 'slateSize', label: 'Slate size', min: 1, max: 100, step: 1, integer: true, hint: 'Items shown per slate.' },
  { field: 'newItemsPerRound', label: 'New items / round', min: 0, max: 100_000, step: 1, integer: true, hint: 'Catalogue growth.' },
  { field: 'retrainEvery', label: 'Retrain every', min: 1, max: 10_000, step: 1, integer: true, hint: 'Rounds between model retrainings.' },
  { field: 'startupRounds', label: 'Start-up rounds', min: 0, max: 10_000, step: 1, integer: true, hint: 'Random slates before the first training.' },
  { field: 'drift', label: 'Preference drift', min: 0, max: 1, step: 0.01, integer: false, hint: 'Pull of consumed items on tastes (0..1).' },
  { field: 'extremeDrift', label: 'Drift to extremes', min: 0, max: 1, step: 0.01, integer: false, hint: 'Extra pull toward extreme content (0..1).' },
  { field: 'churnAfter', label: 'Churn after', min: 0, max: 10_000, step: 1, integer: true, hint: 'Users leave after this many click-less slates (0: never).' },
  { field: 'seed', label: 'Seed', min: 0, max: Number.MAX_SAFE_INTEGER, step: 1, integer: true, hint: 'Same seed, same numbers.' },
];

/** Field -> problem, checked before sending (the service checks again). */
export function checkSpec(spec: SimulationSpec): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const entry of SPEC_FIELDS) {
    const value = spec[entry.field];
    if (typeof value !== 'number' || !Number.isFinite(value)) problems[entry.field] = 'Enter a number';
    else if (entry.integer && !Number.isInteger(value)) problems[entry.field] = 'Enter a whole number';
    else if (value < entry.min || value > entry.max) problems[entry.field] = `Between ${entry.min} and ${entry.max.toLocaleString('en-US')}`;
  }
  if (!problems.slateSize && !problems.items && spec.slateSize > spec.items) problems.slateSize = 'At most the number of items';
  if (!problems.startupRounds && !problems.rounds && spec.startupRounds > spec.rounds) problems.startupRounds = 'At most the number of rounds';
  if (spec.policies.length === 0) problems.policies = 'Add at least one policy';
  const seen = new Set<string>();
  spec.policies.forEach((policy, index) => {
    for (const parameter of ['epsilon', 'lambda'] as const) {
      const value = policy[parameter];
      if (value !== undefined && !(value >= 0 && value <= 1)) problems[`policies[${index}].${parameter}`] = 'Between 0 and 1';
    }
    const label = policyLabel(policy);
    if (seen.has(label)) problems[`policies[${index}].label`] = `Two policies are called "${label}"; give one a label`;
    seen.add(label);
  });
  return problems;
}

export type SweepParameter = 'lambda' | 'epsilon';

export const SWEEP_VALUES: Record<SweepParameter, number[]> = {
  lambda: [0, 0.2, 0.4, 0.6, 0.8, 0.9, 1],
  epsilon: [0, 0.05, 0.1, 0.2, 0.4, 0.7],
};

/** The world of `base` with reference policies plus one swept policy per value. */
export function sweepSpec(base: SimulationSpec, parameter: SweepParameter): SimulationSpec {
  const swept: PolicySpec[] = SWEEP_VALUES[parameter].map((value) =>
    parameter === 'lambda' ? { kind: 'mmr', lambda: value } : { kind: 'epsilon-greedy', epsilon: value },
  );
  return {
    ...base,
    name: `${parameter === 'lambda' ? 'λ' : 'ε'} sweep${base.name ? ` · ${base.name}` : ''}`,
    policies: [{ kind: 'random' }, { kind: 'oracle' }, { kind: 'greedy-mf' }, ...swept],
  };
}

/** Policy spec of each label of a finished simulation (labels are unique). */
export function policiesByLabel(detail: SimulationDetail): Map<string, PolicySpec> {
  return new Map(detail.spec.policies.map((policy) => [policyLabel(policy), policy]));
}

const SPEC_KEY = 'dlrm-studio.sim.spec';

export function loadStoredSpec(): SimulationSpec {
  try {
    const parsed: unknown = JSON.parse(window.localStorage.getItem(SPEC_KEY) ?? 'null');
    if (typeof parsed === 'object' && parsed !== null && Array.isArray((parsed as SimulationSpec).policies)) {
      return { ...defaultSpec(), ...(parsed as SimulationSpec) };
    }
  } catch {
    // fall back to the defaults
  }
  return defaultSpec();
}

export function storeSpec(spec: SimulationSpec): void {
  try {
    window.localStorage.setItem(SPEC_KEY, JSON.stringify(spec));
  } catch {
    // not remembered when storage is disabled
  }
}
