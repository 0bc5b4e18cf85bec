import { describe, expect, it } from 'vitest';
import { DEFAULT_LAMBDA, policyLabel, SIMULATION_METRICS, simulationMetricInfo, type SimulationMetricName } from './simulation-vocabulary';
import type { SimulationRoundMetrics } from './simulation';

describe('simulation vocabulary', () => {
  it('has a title, a caption, a kind and a family for every per-round metric, in one order', () => {
    const round: SimulationRoundMetrics = {
      round: 0, clickRate: 0, meanUtility: 0, intraListDiversity: 0, coverage: 0, exposureGini: 0,
      topicEntropy: 0, homogenization: 0, polarization: 0, extremeShare: 0, activeUsers: 0,
    };
    const names = Object.keys(round).filter((key) => key !== 'round');
    expect(SIMULATION_METRICS.map((entry) => entry.name)).toEqual(names);
    for (const entry of SIMULATION_METRICS) {
      expect(entry.title.length).toBeGreaterThan(3);
      expect(entry.caption.length).toBeGreaterThan(30);
      expect(['share', 'number', 'count']).toContain(entry.kind);
      expect(simulationMetricInfo(entry.name)).toEqual(entry);
    }
    expect(simulationMetricInfo('coverage' satisfies SimulationMetricName).kind).toBe('share');
  });

  it('labels a policy by its kind and parameter unless the spec names it (the spelling the store keeps)', () => {
    expect(policyLabel({ kind: 'random' })).toBe('random');
    expect(policyLabel({ kind: 'mmr' })).toBe(`mmr lambda=${DEFAULT_LAMBDA}`);
    expect(policyLabel({ kind: 'calibrated', lambda: 0.9 })).toBe('calibrated lambda=0.9');
    expect(policyLabel({ kind: 'epsilon-greedy', epsilon: 0.05 })).toBe('epsilon-greedy epsilon=0.05');
    expect(policyLabel({ kind: 'epsilon-greedy', epsilon: 0.05, label: '  explore ' })).toBe('explore');
  });
});
