import { describe, expect, it } from 'vitest';
import type { SimulationDetail, SimulationRoundMetrics } from '../../../../src-main/service/contract';
import { frontierPoints, meanOverLast } from './frontier';
import { checkSpec, defaultSpec, policyLabel, sweepSpec } from './spec';

function round(index: number, clickRate: number, intraListDiversity: number): SimulationRoundMetrics {
  return {
    round: index,
    clickRate,
    meanUtility: 0,
    intraListDiversity,
    coverage: 0,
    exposureGini: 0,
    topicEntropy: 0,
    homogenization: 0,
    polarization: 0,
    extremeShare: 0,
    activeUsers: 10,
  };
}

describe('spec helpers', () => {
  it('accepts the defaults', () => {
    expect(checkSpec(defaultSpec())).toEqual({});
  });

  it('names duplicate labels, bad bounds and a slate larger than the catalogue', () => {
    const spec = defaultSpec();
    spec.policies.push({ kind: 'mmr', lambda: 0.5 });
    spec.items = 5;
    spec.slateSize = 10;
    spec.drift = 2;
    const problems = checkSpec(spec);
    expect(problems['policies[7].label']).toContain('mmr lambda=0.5');
    expect(problems.slateSize).toBe('At most the number of items');
    expect(problems.drift).toBe('Between 0 and 1');
  });

  it('builds sweeps whose labels are all different', () => {
    for (const parameter of ['lambda', 'epsilon'] as const) {
      const labels = sweepSpec(defaultSpec(), parameter).policies.map(policyLabel);
      expect(new Set(labels).size).toBe(labels.length);
      expect(labels).toContain('oracle');
      expect(labels).toContain('greedy-mf');
    }
  });
});

describe('frontier', () => {
  it('averages the last quarter of the rounds', () => {
    // 8 rounds -> last 2: (0.6 + 0.8) / 2 = 0.7
    const series = [0.1, 0.2, 0.3, 0.4, 0.5, 0.5, 0.6, 0.8].map((value, index) => round(index, value, 0));
    expect(meanOverLast(series, 'clickRate')).toBeCloseTo(0.7, 10);
    expect(meanOverLast([], 'clickRate')).toBeNull();
  });

  it('gives one point per policy with its kind and parameter', () => {
    const spec = sweepSpec(defaultSpec(), 'lambda');
    const metrics: Record<string, SimulationRoundMetrics[]> = {};
    for (const policy of spec.policies) metrics[policyLabel(policy)] = [round(0, 0.5, policy.lambda ?? 0.1)];
    const detail: SimulationDetail = {
      id: 's',
      name: 'n',
      status: 'finished',
      createdAt: '',
      seed: 1,
      progress: 1,
      policies: Object.keys(metrics),
      spec,
      metrics,
      trackedUser: {},
      error: null,
    };
    const points = frontierPoints(detail, 'intraListDiversity', 'clickRate');
    expect(points).toHaveLength(spec.policies.length);
    const mmr = points.find((entry) => entry.label === 'mmr lambda=0.4');
    expect(mmr).toMatchObject({ kind: 'mmr', parameter: 0.4, x: 0.4, y: 0.5 });
    expect(points.find((entry) => entry.label === 'oracle')?.kind).toBe('oracle');
  });
});
