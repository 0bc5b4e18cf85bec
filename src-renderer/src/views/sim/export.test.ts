import { describe, expect, it } from 'vitest';
import { simulationCsv } from './export';
import type { SimulationDetail } from '../../../../src-main/service/contract';

describe('simulation CSV', () => {
  it('writes one line per policy and round, quoting labels with commas and leaving non-finite values empty', () => {
    const round = { round: 0, clickRate: 0.5, meanUtility: 1, intraListDiversity: 0.7, coverage: 0.9, exposureGini: 0.2, topicEntropy: 0.8, homogenization: 0.01, polarization: Number.NaN, extremeShare: 0.1, activeUsers: 10 };
    const detail = {
      id: 's1', name: 'x', status: 'finished', createdAt: '', seed: 7, progress: 1, policies: [], spec: {} as never, trackedUser: {}, error: null,
      metrics: { 'mmr lambda=0.5, v2': [round, { ...round, round: 1 }], random: [round] },
    } as unknown as SimulationDetail;
    const lines = simulationCsv(detail).trimEnd().split('\n');
    expect(lines[0]).toBe('simulation_id,seed,policy,round,clickRate,meanUtility,intraListDiversity,coverage,exposureGini,topicEntropy,homogenization,polarization,extremeShare,activeUsers');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toBe('s1,7,"mmr lambda=0.5, v2",1,0.5,1,0.7,0.9,0.2,0.8,0.01,,0.1,10');
  });
});
