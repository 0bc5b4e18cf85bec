import { describe, expect, it } from 'vitest';
import { parseEarlyStopping, parseStartRunInput } from './inputs';
import { cliPathPolicy } from './paths';
import { parseSweepSpec } from './sweeps';
import { ApiError } from './validate';

const base = {
  model: { kind: 'dlrm', embeddingDim: 8, bottomMlp: '13-16-8', topMlp: '16-1', interaction: 'dot', hashSize: 1000 },
  optimizer: { dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.01 },
  dataset: { kind: 'synthetic', rows: 5000, seed: 1 },
  train: { batchSize: 128, epochs: 1, seed: 1 },
};

function fieldOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    if (err instanceof ApiError) return err.field;
    throw err;
  }
  return undefined;
}

describe('early stopping and sweep inputs', () => {
  it('early stopping: defaults, and every bad field named', () => {
    expect(parseEarlyStopping({})).toEqual({ metric: 'logLoss', patience: 3, minDelta: 0 });
    expect(parseStartRunInput({ ...base, train: { ...base.train, earlyStopping: { metric: 'auc', patience: 2 } } }).train.earlyStopping).toEqual({ metric: 'auc', patience: 2, minDelta: 0 });
    expect(parseStartRunInput(base).train.earlyStopping).toBeUndefined();
    expect(fieldOf(() => parseStartRunInput({ ...base, train: { ...base.train, earlyStopping: { metric: 'accuracy' } } }))).toBe('train.earlyStopping.metric');
    expect(fieldOf(() => parseStartRunInput({ ...base, train: { ...base.train, earlyStopping: { patience: 0 } } }))).toBe('train.earlyStopping.patience');
    expect(fieldOf(() => parseStartRunInput({ ...base, train: { ...base.train, earlyStopping: { minDelta: -1 } } }))).toBe('train.earlyStopping.minDelta');
    expect(fieldOf(() => parseStartRunInput({ ...base, train: { ...base.train, earlyStopping: { wait: 3 } } }))).toBe('train.earlyStopping.wait');
  });

  it('a sweep spec: defaults, halving settings, and errors that name the field', () => {
    const paths = cliPathPolicy();
    const spec = parseSweepSpec({ base, strategy: 'halving', trials: 9, parameters: [{ setting: 'learningRate', range: { min: 0.001, max: 0.1, scale: 'log' } }] }, paths);
    expect(spec).toMatchObject({ strategy: 'halving', trials: 9, eta: 3, rungs: 3, seed: 1, metric: 'logLoss' });
    const bad = (over: Record<string, unknown>) => fieldOf(() => parseSweepSpec({ base, parameters: [{ setting: 'batchSize', values: [128, 256] }], ...over }, paths));
    expect(bad({ strategy: 'bayes' })).toBe('strategy');
    expect(bad({ parameters: [{ setting: 'momentum', values: [1] }] })).toBe('parameters[0].setting');
    expect(bad({ parameters: [{ setting: 'batchSize' }] })).toBe('parameters[0]');
    expect(bad({ parameters: [{ setting: 'learningRate', range: { min: 0, max: 1, scale: 'log' } }] })).toBe('parameters[0].range.min');
    expect(bad({ parameters: [{ setting: 'learningRate', range: { min: 1, max: 0.5 } }] })).toBe('parameters[0].range.max');
    expect(bad({ strategy: 'grid', parameters: [{ setting: 'learningRate', range: { min: 0.1, max: 0.5 } }] })).toBe('parameters[0].values');
    expect(bad({ strategy: 'halving', trials: 4 })).toBe('trials');
    expect(bad({ strategy: 'random', eta: 3 })).toBe('eta');
    expect(bad({ parameters: [{ setting: 'batchSize', values: [128] }, { setting: 'batchSize', values: [256] }] })).toBe('parameters');
    expect(bad({ base: { ...base, train: { ...base.train, batchSize: 0 } } })).toBe('base.train.batchSize');
    expect(fieldOf(() => parseSweepSpec({ parameters: [{ setting: 'batchSize', values: [128] }] }, paths))).toBe('base');
  });
});
