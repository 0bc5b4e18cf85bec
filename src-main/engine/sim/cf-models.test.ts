import { describe, expect, it } from 'vitest';
import type { SimulationSpec } from '../../domain';
import { clickMatrix } from './cf-models';
import { ImpressionLog } from './log';
import { meanOverLastRounds, runSimulation } from './simulate';
import { DEFAULT_SIMULATION, POLICY_DESCRIPTIONS, POLICY_KINDS, validateSimulationSpec } from './spec';

describe('CF click matrix', () => {
  it('holds the clicks of the log as counts and ignores impressions without a click', () => {
    const log = new ImpressionLog(8, {
      userCount: 3, itemCount: 4, topicCount: 2, itemTopics: new Float32Array(8), itemExtremeness: new Float32Array(4), userHistoryTopics: new Float32Array(6),
    });
    log.append(0, 1, 0, 0, true);
    log.append(0, 2, 1, 0, false);
    log.append(2, 3, 0, 0, true);
    log.append(2, 3, 0, 1, true);
    const m = clickMatrix(log);
    expect(m.entries).toBe(2);
    expect(m.get(0, 1)).toBe(1);
    expect(m.get(0, 2)).toBeUndefined();
    expect(m.get(2, 3)).toBe(2);
  });
});

describe('CF policies in the simulator', () => {
  it('every policy kind has exactly one description', () => {
    expect(POLICY_DESCRIPTIONS.map((d) => d.kind).sort()).toEqual([...POLICY_KINDS].sort());
  });

  it('user-knn, item-knn and ALS validate, run and engage more than random slates (seeds 1-2)', async () => {
    for (const seed of [1, 2]) {
      const spec: SimulationSpec = {
        ...DEFAULT_SIMULATION, seed, users: 200, items: 300, topics: 8, rounds: 20, newItemsPerRound: 5, retrainEvery: 5, startupRounds: 3,
        policies: [{ kind: 'random' }, { kind: 'user-knn' }, { kind: 'item-knn' }, { kind: 'als' }],
      };
      expect(validateSimulationSpec(spec).policies.map((p) => p.label)).toEqual(['random', 'user-knn', 'item-knn', 'als']);
      const result = await runSimulation(spec);
      const random = meanOverLastRounds(result.metrics['random']!, 'clickRate', 10);
      for (const label of ['user-knn', 'item-knn', 'als']) {
        const series = result.metrics[label]!;
        expect(series).toHaveLength(20);
        expect(meanOverLastRounds(series, 'clickRate', 10)).toBeGreaterThan(random);
        // ranking scores, not probabilities: no polarisation reported
        expect(series.every((round) => round.polarization === 0)).toBe(true);
        expect(meanOverLastRounds(series, 'intraListDiversity', 10)).toBeGreaterThan(0);
      }
    }
  }, 60_000);
});
