/**
 * Defaults and boundary validation of a SimulationSpec. The service calls validateSimulationSpec on
 * whatever arrives over IPC/HTTP/CLI; errors name the offending field.
 */
import type { PolicyDescription, PolicyKind, PolicySpec, SimulationSpec } from '../../domain';
import { DEFAULT_EPSILON, DEFAULT_LAMBDA, policyLabel } from '../../domain/simulation-vocabulary';

export const POLICY_KINDS: readonly PolicyKind[] = [
  'random',
  'popularity',
  'oracle',
  'greedy-mf',
  'greedy-dlrm',
  'epsilon-greedy',
  'mmr',
  'calibrated',
  'user-knn',
  'item-knn',
  'als',
  'linucb',
  'long-term',
];

/** Every policy kind as the UI shows it (the renderer gets this list from 'sim.policies'). */
export const POLICY_DESCRIPTIONS: readonly PolicyDescription[] = [
  { kind: 'random', label: 'Random', parameter: null, hint: 'Uniformly random slates: the diversity baseline.' },
  { kind: 'popularity', label: 'Popularity', parameter: null, hint: 'The most clicked items so far, the same for everyone.' },
  { kind: 'oracle', label: 'Oracle', parameter: null, hint: 'Knows each user’s true utility: the engagement ceiling.' },
  { kind: 'greedy-mf', label: 'Greedy (matrix factorisation)', parameter: null, hint: 'Ranks by predicted clicks from an MF model retrained on the logged clicks.' },
  { kind: 'greedy-dlrm', label: 'Greedy (DLRM, slower)', parameter: null, hint: 'Ranks by predicted clicks from a DLRM retrained on the logged clicks.' },
  { kind: 'epsilon-greedy', label: 'ε-greedy', parameter: 'epsilon', hint: 'Greedy, but each slot is a random item with probability ε.' },
  { kind: 'mmr', label: 'MMR diversity', parameter: 'lambda', hint: 'Re-ranks by λ·relevance − (1−λ)·similarity to the items already chosen.' },
  { kind: 'calibrated', label: 'Calibrated', parameter: 'lambda', hint: 'Matches the slate’s topic mix to the user’s history, weighted by λ.' },
  { kind: 'user-knn', label: 'User-user CF', parameter: null, hint: 'Items clicked by the 20 users most similar (cosine) to this one, weighted by similarity.' },
  { kind: 'item-knn', label: 'Item-item CF', parameter: null, hint: 'Items most similar (cosine, 20 neighbours) to the ones this user clicked.' },
  { kind: 'als', label: 'ALS (implicit MF)', parameter: null, hint: 'Matrix factorisation of the click matrix by alternating least squares (Hu, Koren, Volinsky).' },
  { kind: 'linucb', label: 'LinUCB bandit', parameter: null, hint: 'A contextual bandit over item topics, extremeness and the user’s history that learns from its own slates every round.' },
  { kind: 'long-term', label: 'Long-term (discounted clicks)', parameter: null, hint: 'Click probability times the value of a click: discounted clicks over the next 5 rounds, estimated from the log.' },
];

/** Parameter defaults and default labels are the domain's (declared once, shown by the renderer). */
export { DEFAULT_EPSILON, DEFAULT_LAMBDA, policyLabel };

/** A small world that runs in a few seconds and shows the effects. */
export const DEFAULT_SIMULATION: Readonly<SimulationSpec> = Object.freeze({
  name: 'engagement vs diversity',
  seed: 42,
  users: 500,
  items: 1000,
  topics: 10,
  rounds: 60,
  slateSize: 10,
  newItemsPerRound: 10,
  retrainEvery: 10,
  drift: 0.05,
  extremeDrift: 0,
  churnAfter: 0,
  startupRounds: 5,
  policies: [
    { kind: 'random' },
    { kind: 'popularity' },
    { kind: 'oracle' },
    { kind: 'greedy-mf' },
    { kind: 'epsilon-greedy', epsilon: DEFAULT_EPSILON },
    { kind: 'mmr', lambda: DEFAULT_LAMBDA },
    { kind: 'calibrated', lambda: DEFAULT_LAMBDA },
  ] as PolicySpec[],
});

/** Largest users x (items + newItemsPerRound x rounds) accepted (memory and time bound). */
export const MAX_USER_ITEM_PAIRS = 20_000_000;

/** Largest users x slateSize x rounds accepted: the impression log keeps 14 bytes per impression per policy. */
export const MAX_IMPRESSIONS = 10_000_000;

/** A spec problem, with the path of the field it is about (e.g. "policies[2].lambda"). */
export class SimulationSpecError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'SimulationSpecError';
    this.field = field;
  }
}

const SPEC_KEYS = new Set([
  'name', 'seed', 'users', 'items', 'topics', 'rounds', 'slateSize', 'newItemsPerRound', 'retrainEvery',
  'drift', 'extremeDrift', 'churnAfter', 'startupRounds', 'policies',
]);
const POLICY_KEYS = new Set(['kind', 'epsilon', 'lambda', 'label']);

/**
 * Checks an untrusted value against the SimulationSpec shape and bounds and returns a clean copy
 * with every policy's parameter and label filled in (labels made unique with " #2", " #3", ...). Throws SimulationSpecError.
 */
export function validateSimulationSpec(input: unknown): SimulationSpec {
  if (!isRecord(input)) throw new SimulationSpecError('spec', 'expected an object');
  for (const key of Object.keys(input)) {
    if (!SPEC_KEYS.has(key)) throw new SimulationSpecError(key, 'unknown field');
  }
  let name: string | undefined;
  if (input.name !== undefined) {
    if (typeof input.name !== 'string') throw new SimulationSpecError('name', 'expected a string');
    if (input.name.length > 200) throw new SimulationSpecError('name', 'at most 200 characters');
    name = input.name;
  }
  const seed = integer(input, 'seed', 0, Number.MAX_SAFE_INTEGER);
  const users = integer(input, 'users', 2, 100_000);
  const items = integer(input, 'items', 2, 1_000_000);
  const topics = integer(input, 'topics', 2, 100);
  const rounds = integer(input, 'rounds', 1, 10_000);
  const slateSize = integer(input, 'slateSize', 1, 100);
  const newItemsPerRound = integer(input, 'newItemsPerRound', 0, 100_000);
  const retrainEvery = integer(input, 'retrainEvery', 1, 10_000);
  const drift = real(input, 'drift', 0, 1);
  const extremeDrift = real(input, 'extremeDrift', 0, 1);
  const churnAfter = integer(input, 'churnAfter', 0, 10_000);
  const startupRounds = integer(input, 'startupRounds', 0, 10_000);
  if (slateSize > items) throw new SimulationSpecError('slateSize', `must not exceed items (${items})`);
  if (startupRounds > rounds) throw new SimulationSpecError('startupRounds', `must not exceed rounds (${rounds})`);
  const capacity = items + newItemsPerRound * rounds;
  if (users * capacity > MAX_USER_ITEM_PAIRS) {
    throw new SimulationSpecError(
      'users',
      `users x (items + newItemsPerRound x rounds) = ${users * capacity} is above the limit ${MAX_USER_ITEM_PAIRS}`,
    );
  }

  if (users * slateSize * rounds > MAX_IMPRESSIONS) {
    throw new SimulationSpecError(
      'rounds',
      `users x slateSize x rounds = ${users * slateSize * rounds} impressions is above the limit ${MAX_IMPRESSIONS}`,
    );
  }

  if (!Array.isArray(input.policies)) throw new SimulationSpecError('policies', 'expected an array');
  if (input.policies.length < 1 || input.policies.length > 32) {
    throw new SimulationSpecError('policies', 'expected 1 to 32 policies');
  }
  const labels = new Set<string>();
  const policies: PolicySpec[] = input.policies.map((raw: unknown, index: number) => {
    const at = `policies[${index}]`;
    if (!isRecord(raw)) throw new SimulationSpecError(at, 'expected an object');
    for (const key of Object.keys(raw)) {
      if (!POLICY_KEYS.has(key)) throw new SimulationSpecError(`${at}.${key}`, 'unknown field');
    }
    if (typeof raw.kind !== 'string' || !(POLICY_KINDS as readonly string[]).includes(raw.kind)) {
      throw new SimulationSpecError(`${at}.kind`, `expected one of ${POLICY_KINDS.join(', ')}`);
    }
    const kind = raw.kind as PolicyKind;
    const policy: PolicySpec = { kind };
    if (kind === 'epsilon-greedy') {
      policy.epsilon = raw.epsilon === undefined ? DEFAULT_EPSILON : real(raw, 'epsilon', 0, 1, at);
    } else if (raw.epsilon !== undefined) {
      throw new SimulationSpecError(`${at}.epsilon`, 'only epsilon-greedy takes epsilon');
    }
    if (kind === 'mmr' || kind === 'calibrated') {
      policy.lambda = raw.lambda === undefined ? DEFAULT_LAMBDA : real(raw, 'lambda', 0, 1, at);
    } else if (raw.lambda !== undefined) {
      throw new SimulationSpecError(`${at}.lambda`, 'only mmr and calibrated take lambda');
    }
    if (raw.label !== undefined) {
      if (typeof raw.label !== 'string' || raw.label.trim() === '' || raw.label.length > 100) {
        throw new SimulationSpecError(`${at}.label`, 'expected a non-empty string of at most 100 characters');
      }
    }
    const label = policyLabel({ ...policy, label: raw.label as string | undefined });
    let unique = label;
    for (let copy = 2; labels.has(unique); copy++) unique = `${label} #${copy}`;
    policy.label = unique;
    labels.add(unique);
    return policy;
  });

  const spec: SimulationSpec = {
    seed, users, items, topics, rounds, slateSize, newItemsPerRound, retrainEvery,
    drift, extremeDrift, churnAfter, startupRounds, policies,
  };
  if (name !== undefined) spec.name = name;
  return spec;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function integer(record: Record<string, unknown>, key: string, min: number, max: number, prefix?: string): number {
  const field = prefix === undefined ? key : `${prefix}.${key}`;
  const value = record[key];
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new SimulationSpecError(field, 'expected an integer');
  if (value < min || value > max) throw new SimulationSpecError(field, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function real(record: Record<string, unknown>, key: string, min: number, max: number, prefix?: string): number {
  const field = prefix === undefined ? key : `${prefix}.${key}`;
  const value = record[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new SimulationSpecError(field, 'expected a number');
  if (value < min || value > max) throw new SimulationSpecError(field, `must be between ${min} and ${max}, got ${value}`);
  return value;
}
