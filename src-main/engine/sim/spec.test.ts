import { describe, expect, it } from 'vitest';
import { DEFAULT_SIMULATION, policyLabel, SimulationSpecError, validateSimulationSpec } from './spec';

function fieldOf(input: unknown): string {
  try {
    validateSimulationSpec(input);
  } catch (error) {
    if (error instanceof SimulationSpecError) return error.field;
    throw error;
  }
  return '(no error)';
}

describe('validateSimulationSpec', () => {
  it('accepts the defaults and fills in labels and parameters', () => {
    const spec = validateSimulationSpec({ ...DEFAULT_SIMULATION, policies: [{ kind: 'mmr' }, { kind: 'epsilon-greedy' }, { kind: 'oracle', label: ' best ' }] });
    expect(spec.policies).toEqual([
      { kind: 'mmr', lambda: 0.5, label: 'mmr lambda=0.5' },
      { kind: 'epsilon-greedy', epsilon: 0.1, label: 'epsilon-greedy epsilon=0.1' },
      { kind: 'oracle', label: 'best' },
    ]);
    expect(spec.users).toBe(DEFAULT_SIMULATION.users);
    expect(validateSimulationSpec(DEFAULT_SIMULATION).policies).toHaveLength(7);
  });

  it('names the offending field', () => {
    const base = { ...DEFAULT_SIMULATION };
    expect(fieldOf(null)).toBe('spec');
    const { users: _users, ...withoutUsers } = base;
    expect(fieldOf(withoutUsers)).toBe('users');
    expect(fieldOf({ ...base, users: 2.5 })).toBe('users');
    expect(fieldOf({ ...base, drift: 1.5 })).toBe('drift');
    expect(fieldOf({ ...base, extremeDrift: Number.NaN })).toBe('extremeDrift');
    expect(fieldOf({ ...base, seed: -1 })).toBe('seed');
    expect(fieldOf({ ...base, slateSize: base.items + 1 })).toBe('slateSize');
    expect(fieldOf({ ...base, startupRounds: base.rounds + 1 })).toBe('startupRounds');
    expect(fieldOf({ ...base, retrainEvery: 0 })).toBe('retrainEvery');
    expect(fieldOf({ ...base, users: 100_000, items: 1_000 })).toBe('users');
    expect(fieldOf({ ...base, retrain_every: 3 })).toBe('retrain_every');
    expect(fieldOf({ ...base, users: 1000, items: 1000, newItemsPerRound: 0, rounds: 2000 })).toBe('rounds');
    expect(fieldOf({ ...base, policies: [] })).toBe('policies');
    expect(fieldOf({ ...base, policies: [{ kind: 'random' }, { kind: 'mmr', lambda: 2 }] })).toBe('policies[1].lambda');
    expect(fieldOf({ ...base, policies: [{ kind: 'greedy' }] })).toBe('policies[0].kind');
    expect(fieldOf({ ...base, policies: [{ kind: 'random', epsilon: 0.2 }] })).toBe('policies[0].epsilon');
    expect(fieldOf({ ...base, policies: [{ kind: 'random', colour: 'red' }] })).toBe('policies[0].colour');
  });

  it('makes duplicate labels unique the way the store does', () => {
    const spec = validateSimulationSpec({
      ...DEFAULT_SIMULATION,
      policies: [{ kind: 'mmr' }, { kind: 'mmr', lambda: 0.5 }, { kind: 'random', label: 'x' }, { kind: 'oracle', label: 'x' }],
    });
    expect(spec.policies.map((policy) => policy.label)).toEqual(['mmr lambda=0.5', 'mmr lambda=0.5 #2', 'x', 'x #2']);
  });

  it('puts the field in the message', () => {
    expect(() => validateSimulationSpec({ ...DEFAULT_SIMULATION, topics: 1 })).toThrow(/^topics: must be between 2 and 100, got 1$/);
  });
});

describe('policyLabel', () => {
  it('uses the label, else the kind and its parameter', () => {
    expect(policyLabel({ kind: 'random' })).toBe('random');
    expect(policyLabel({ kind: 'calibrated', lambda: 0.9 })).toBe('calibrated lambda=0.9');
    expect(policyLabel({ kind: 'epsilon-greedy', epsilon: 0.05, label: 'explore' })).toBe('explore');
  });
});
