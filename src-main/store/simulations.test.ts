import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SimulationRoundMetrics } from '../domain';
import { InvalidTransitionError, NotFoundError } from './errors';
import { makeTempDir, sampleSimulationSpec } from './fixtures/testing';
import { simulationPolicyLabels } from './simulations';
import { openStore, type WritableStore } from './store';

let dir: string;
let store: WritableStore;
const dbPath = (): string => path.join(dir, 'studio.sqlite');

beforeEach(() => {
  dir = makeTempDir();
  store = openStore(dbPath());
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function roundMetrics(round: number, scale: number): SimulationRoundMetrics {
  return {
    round,
    clickRate: 0.1 * scale,
    meanUtility: 0.2 * scale,
    intraListDiversity: 0.3 * scale,
    coverage: 0.4 * scale,
    exposureGini: 0.5 * scale,
    topicEntropy: 0.6 * scale,
    homogenization: 0.7 * scale,
    polarization: 0.8 * scale,
    extremeShare: 0.05 * scale,
    activeUsers: 100 - round,
  };
}

describe('simulations', () => {
  it('labels policies from their kind and parameter, and de-duplicates', () => {
    expect(
      simulationPolicyLabels({
        policies: [{ kind: 'greedy-mf' }, { kind: 'mmr', lambda: 0.5 }, { kind: 'mmr', lambda: 0.5 }, { kind: 'random', label: 'baseline' }],
      }),
    ).toEqual(['greedy-mf', 'mmr lambda=0.5', 'mmr lambda=0.5 #2', 'baseline']);
  });

  it('round-trips spec, status, progress, per-round metrics per policy and the tracked user', () => {
    const spec = sampleSimulationSpec();
    const id = store.createSimulation(spec);
    const reader = store.openReader();
    expect(reader.listSimulations()).toEqual([
      { id, name: 'greedy vs mmr', status: 'queued', createdAt: expect.any(String), seed: 3, progress: 0, policies: ['greedy-mf', 'mmr lambda=0.5'] },
    ]);
    store.setSimulationStatus(id, 'running');
    for (let round = 0; round < 3; round += 1) {
      store.appendSimulationRounds(
        id,
        [
          { policy: 'greedy-mf', metrics: roundMetrics(round, 1), trackedTopicShares: [1, 0, 0, 0] },
          { policy: 'mmr lambda=0.5', metrics: roundMetrics(round, 2), trackedTopicShares: [0.25, 0.25, 0.25, 0.25] },
        ],
        (round + 1) / 3,
      );
    }
    // Non-finite metric values come back as NaN (stored as NULL).
    store.appendSimulationRounds(id, [{ policy: 'greedy-mf', metrics: { ...roundMetrics(2, 1), topicEntropy: Number.NaN } }]);
    store.setSimulationStatus(id, 'finished');

    const detail = reader.getSimulation(id);
    expect(detail.status).toBe('finished');
    expect(detail.progress).toBe(1);
    expect(detail.spec).toEqual(spec);
    expect(detail.error).toBeNull();
    expect(Object.keys(detail.metrics)).toEqual(['greedy-mf', 'mmr lambda=0.5']);
    expect(detail.metrics['mmr lambda=0.5']).toEqual([0, 1, 2].map((round) => roundMetrics(round, 2)));
    expect(detail.metrics['greedy-mf']!.slice(0, 2)).toEqual([0, 1].map((round) => roundMetrics(round, 1)));
    expect(detail.metrics['greedy-mf']![2]!.topicEntropy).toBeNaN();
    expect(detail.trackedUser['mmr lambda=0.5']).toEqual([
      [0.25, 0.25, 0.25, 0.25],
      [0.25, 0.25, 0.25, 0.25],
      [0.25, 0.25, 0.25, 0.25],
    ]);
    // Round 2 of greedy was replaced by a row without shares: still one entry per round.
    expect(detail.trackedUser['greedy-mf']).toEqual([[1, 0, 0, 0], [1, 0, 0, 0], []]);

    expect(() => store.setSimulationStatus(id, 'running')).toThrow(InvalidTransitionError);
    expect(store.deleteSimulation(id)).toBe(true);
    expect(() => reader.getSimulation(id)).toThrow(NotFoundError);
    expect(store.deleteSimulation(id)).toBe(false);
    reader.close();
  });

  it('marks a simulation left running as interrupted when the database is reopened', () => {
    const id = store.createSimulation(sampleSimulationSpec());
    store.setSimulationStatus(id, 'running');
    store.appendSimulationRounds(id, [{ policy: 'greedy-mf', metrics: roundMetrics(0, 1) }], 0.3);
    store.close();
    store = openStore(dbPath());
    expect(store.recovered.simulations).toEqual([id]);
    const detail = store.getSimulation(id);
    expect(detail.status).toBe('interrupted');
    expect(detail.progress).toBe(0.3);
    expect(detail.metrics['greedy-mf']).toHaveLength(1);
  });
});
