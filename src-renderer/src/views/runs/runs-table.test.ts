import { describe, expect, it } from 'vitest';
import type { RunSummary, StartRunInput } from '../../../../src-main/service/contract';
import { EMPTY_FILTER, filterRuns, isFilterActive, matchesValue, sortRuns, type RunFilter } from './runs-table';

function run(id: string, overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    id,
    name: `run ${id}`,
    status: 'finished',
    createdAt: `2026-11-0${id}T10:00:00.000Z`,
    startedAt: null,
    endedAt: null,
    tags: [],
    notes: '',
    group: null,
    modelKind: 'dlrm',
    preset: 'criteo-kaggle',
    backend: 'cpu',
    seed: 1,
    progress: 1,
    last: {},
    best: {},
    test: {},
    bestAt: null,
    ...overrides,
  };
}

function config(batchSize: number, learningRate: number): StartRunInput {
  return {
    model: { kind: 'dlrm', embeddingDim: 16, bottomMlp: '13-16', topMlp: '1', interaction: 'dot', hashSize: 100 },
    optimizer: { dense: 'sgd', sparse: 'sgd', learningRate, warmupSteps: 0, decay: 'none' },
    dataset: { kind: 'synthetic', rows: 1000, seed: 1 },
    train: { batchSize, epochs: 1, evalEvery: 0, seed: 1, maxBadRowShare: 0, checkpointEvery: 0 },
  };
}

const runs = [
  run('1', { name: 'Baseline', tags: ['base'], best: { auc: 0.74, logLoss: 0.47 } }),
  run('2', { name: 'adagrad', tags: ['sweep'], status: 'running', best: { auc: 0.77, logLoss: 0.45 }, notes: 'try rowwise' }),
  run('3', { name: 'wide', tags: ['sweep', 'wide'], best: { auc: 0.71 } }),
  run('4', { name: 'broken', status: 'failed', preset: null, modelKind: 'dcn' }),
];
const configs = { '1': config(256, 0.1), '2': config(256, 0.05), '3': config(1024, 0.1) };
const ids = (list: RunSummary[]) => list.map((entry) => entry.id);
const withFilter = (changes: Partial<RunFilter>) => ({ ...EMPTY_FILTER, ...changes });

describe('filterRuns', () => {
  it('keeps everything without a filter', () => {
    expect(ids(filterRuns(runs, EMPTY_FILTER, configs))).toEqual(['1', '2', '3', '4']);
    expect(isFilterActive(EMPTY_FILTER)).toBe(false);
  });

  it('searches name, tags and notes case-insensitively', () => {
    expect(ids(filterRuns(runs, withFilter({ text: 'BASE' }), configs))).toEqual(['1']);
    expect(ids(filterRuns(runs, withFilter({ text: 'rowwise' }), configs))).toEqual(['2']);
  });

  it('filters by status and tag', () => {
    expect(ids(filterRuns(runs, withFilter({ status: 'running' }), configs))).toEqual(['2']);
    expect(ids(filterRuns(runs, withFilter({ tag: 'sweep' }), configs))).toEqual(['2', '3']);
  });

  it('filters by a configuration value, numerically for numbers', () => {
    expect(ids(filterRuns(runs, withFilter({ configKey: 'train.batchSize', configValue: '1024' }), configs))).toEqual(['3']);
    expect(ids(filterRuns(runs, withFilter({ configKey: 'optimizer.learningRate', configValue: '0.10' }), configs))).toEqual([
      '1',
      '3',
    ]);
    // Run 4 has no loaded config: its preset comes from the summary (null), the kind too.
    expect(ids(filterRuns(runs, withFilter({ configKey: 'model.kind', configValue: 'dcn' }), configs))).toEqual(['4']);
  });

  it('filters by a metric threshold and drops runs without the metric', () => {
    expect(ids(filterRuns(runs, withFilter({ metric: 'best.auc', metricOp: '>=', metricValue: '0.74' }), configs))).toEqual([
      '1',
      '2',
    ]);
    expect(ids(filterRuns(runs, withFilter({ metric: 'best.logLoss', metricOp: '<=', metricValue: '0.46' }), configs))).toEqual([
      '2',
    ]);
  });

  it('matches text values as substrings and numbers exactly', () => {
    expect(matchesValue('criteo-kaggle', 'kaggle')).toBe(true);
    expect(matchesValue(256, '25')).toBe(false);
    expect(matchesValue(null, 'x')).toBe(false);
  });
});

describe('sortRuns', () => {
  it('sorts by a metric with missing values last in both directions', () => {
    expect(ids(sortRuns(runs, 'best.auc', 'desc', configs))).toEqual(['2', '1', '3', '4']);
    expect(ids(sortRuns(runs, 'best.auc', 'asc', configs))).toEqual(['3', '1', '2', '4']);
  });

  it('sorts by name, status order, creation and batch size', () => {
    expect(ids(sortRuns(runs, 'name', 'asc', configs))).toEqual(['2', '1', '4', '3']);
    expect(ids(sortRuns(runs, 'status', 'asc', configs))[0]).toBe('2');
    expect(ids(sortRuns(runs, 'createdAt', 'desc', configs))).toEqual(['4', '3', '2', '1']);
    // Equal batch sizes keep newest first; the run without a config goes last.
    expect(ids(sortRuns(runs, 'batchSize', 'desc', configs))).toEqual(['3', '2', '1', '4']);
  });
});
