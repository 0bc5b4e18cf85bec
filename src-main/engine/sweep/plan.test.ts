import { describe, expect, it } from 'vitest';
import type { StartRunInput } from '../../domain';
import type { SweepSpec } from '../../domain/sweep';
import { gridTrials, planTrials, promote, randomTrials, rungsOf, SweepPlanError, trialRunInput } from './plan';

const base: StartRunInput = {
  model: { kind: 'dlrm', embeddingDim: 16, bottomMlp: '13-64-16', topMlp: '64-1', interaction: 'dot', hashSize: 10000 },
  optimizer: { dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.01, warmupSteps: 0, decay: 'none' },
  dataset: { kind: 'synthetic', rows: 20000, seed: 1 },
  train: { batchSize: 256, epochs: 1, evalEvery: 50, seed: 1, maxBadRowShare: 0.01, checkpointEvery: 50 },
};

describe('sweep plan', () => {
  it('grid: every combination, first setting slowest; refuses a grid over the cap', () => {
    const trials = gridTrials([{ setting: 'learningRate', values: [0.1, 0.01] }, { setting: 'batchSize', values: [128, 256, 512] }], 6);
    expect(trials).toEqual([
      { learningRate: 0.1, batchSize: 128 }, { learningRate: 0.1, batchSize: 256 }, { learningRate: 0.1, batchSize: 512 },
      { learningRate: 0.01, batchSize: 128 }, { learningRate: 0.01, batchSize: 256 }, { learningRate: 0.01, batchSize: 512 },
    ]);
    expect(() => gridTrials([{ setting: 'learningRate', values: [0.1, 0.01] }, { setting: 'batchSize', values: [128, 256, 512] }], 5)).toThrow(SweepPlanError);
    expect(() => gridTrials([{ setting: 'learningRate', range: { min: 0.001, max: 0.1, scale: 'log' } }], 5)).toThrow(/parameters\[0\]\.values/);
  });

  it('random: seeded, inside the ranges, log scale spread over the decades, integers rounded', () => {
    const parameters = [
      { setting: 'learningRate' as const, range: { min: 0.0001, max: 0.1, scale: 'log' as const } },
      { setting: 'embeddingDim' as const, range: { min: 4, max: 32, scale: 'linear' as const, integer: true } },
      { setting: 'interaction' as const, values: ['dot', 'cat'] },
    ];
    const a = randomTrials(parameters, 200, 5);
    expect(randomTrials(parameters, 200, 5)).toEqual(a);
    expect(randomTrials(parameters, 200, 6)).not.toEqual(a);
    const rates = a.map((t) => t.learningRate as number);
    expect(Math.min(...rates)).toBeGreaterThanOrEqual(0.0001);
    expect(Math.max(...rates)).toBeLessThanOrEqual(0.1);
    // log-uniform: about a third of the draws in each decade below 0.1 (0.0001-0.001, 0.001-0.01, 0.01-0.1)
    const lowDecade = rates.filter((r) => r < 0.001).length;
    expect(lowDecade).toBeGreaterThan(40);
    expect(lowDecade).toBeLessThan(95);
    expect(a.every((t) => Number.isInteger(t.embeddingDim) && (t.embeddingDim as number) >= 4 && (t.embeddingDim as number) <= 32)).toBe(true);
    expect(new Set(a.map((t) => t.interaction))).toEqual(new Set(['dot', 'cat']));
  });

  it('a trial input writes its settings into a copy of the base, keeping the bottom MLP consistent', () => {
    const input = trialRunInput(base, { embeddingDim: 8, learningRate: 0.05, minCount: 3, batchSize: 512, modelKind: 'dcn' });
    expect(input.model.embeddingDim).toBe(8);
    expect(input.model.bottomMlp).toBe('13-64-8');
    expect(input.model.kind).toBe('dcn');
    expect(input.optimizer.learningRate).toBe(0.05);
    expect(input.train.batchSize).toBe(512);
    expect(input.dataset.categories).toEqual({ encoding: 'vocab', minCount: 3 });
    expect(base.model.embeddingDim).toBe(16);
    expect(trialRunInput(base, { embeddingDim: 8, bottomMlp: '13-8' }).model.bottomMlp).toBe('13-8');
  });

  it('halving rungs: n, n/eta, n/eta^2 trials at 1/eta^2, 1/eta, 1 of the run', () => {
    expect(rungsOf('halving', 18, 3, 3)).toEqual([{ fraction: 1 / 9, admit: 18 }, { fraction: 1 / 3, admit: 6 }, { fraction: 1, admit: 2 }]);
    expect(rungsOf('halving', 20, 2, 2)).toEqual([{ fraction: 0.5, admit: 20 }, { fraction: 1, admit: 10 }]);
    expect(rungsOf('random', 7)).toEqual([{ fraction: 1, admit: 7 }]);
  });

  it('promotes the best trials of scripted curves at each rung', () => {
    // 9 trials, eta 3: scripted validation log loss at the end of each rung (lower is better).
    // Trial 4 starts slow but is best at the end; trial 0 starts fast and stalls.
    const curves: Record<number, [number, number, number]> = {
      0: [0.50, 0.495, 0.494], 1: [0.56, 0.55, 0.54], 2: [0.58, 0.57, 0.56], 3: [0.60, 0.59, 0.58],
      4: [0.52, 0.47, 0.44], 5: [0.54, 0.50, 0.47], 6: [0.62, 0.61, 0.60], 7: [0.70, 0.69, 0.68], 8: [Number.NaN, 0.1, 0.1],
    };
    const rungs = rungsOf('halving', 9, 3, 3);
    let admitted = Object.keys(curves).map(Number);
    const history: number[][] = [admitted];
    for (let k = 0; k < rungs.length - 1; k++) {
      const results = admitted.map((index) => ({ index, value: curves[index]![k]! }));
      admitted = promote(results, rungs[k + 1]!.admit, 'logLoss');
      history.push(admitted);
    }
    // rung 0 -> 3 best by 1/9-run loss (0, 4, 5; trial 8 diverged: NaN never promoted); rung 1 -> the best 1 (4)
    expect(history).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8], [0, 4, 5], [4]]);
    // AUC ranks upward; ties go to the lower index
    expect(promote([{ index: 2, value: 0.7 }, { index: 0, value: 0.7 }, { index: 1, value: 0.8 }, { index: 3, value: null }], 2, 'auc')).toEqual([0, 1]);
  });

  it('plans by strategy', () => {
    const spec: SweepSpec = { base, parameters: [{ setting: 'learningRate', values: [0.1, 0.01, 0.001] }], strategy: 'grid', trials: 10, seed: 1, metric: 'auc' };
    expect(planTrials(spec)).toHaveLength(3);
    expect(planTrials({ ...spec, strategy: 'random', trials: 5 })).toHaveLength(5);
  });
});
