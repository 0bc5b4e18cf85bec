import { describe, expect, it } from 'vitest';
import { parseStartRunInput, parseRunQuery, parseProjectionInput, parseRecommendInput, parseUpdateRun, parseIdInput } from './inputs';
import { ApiError } from './validate';

const valid = {
  model: { kind: 'dlrm', preset: 'criteo-kaggle', embeddingDim: 16, bottomMlp: '13-512-256-64-16', topMlp: '512-256-1', interaction: 'dot', hashSize: 100000 },
  optimizer: { dense: 'sgd', sparse: 'sgd', learningRate: 0.1, warmupSteps: 0, decay: 'none' },
  dataset: { kind: 'synthetic', rows: 100000, seed: 1 },
  train: { batchSize: 128, epochs: 1, evalEvery: 100, seed: 1, maxBadRowShare: 0.01, checkpointEvery: 0 },
};

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return (err as ApiError).field;
  }
  throw new Error('expected a validation error');
}

describe('service input validation', () => {
  it('accepts a complete start-run input and keeps its values', () => {
    const parsed = parseStartRunInput(valid);
    expect(parsed.model.bottomMlp).toBe('13-512-256-64-16');
    expect(parsed.train.batchSize).toBe(128);
    expect(parsed.dataset).toEqual({ kind: 'synthetic', rows: 100000, seed: 1 });
  });

  it('names the offending field of a bad start-run input', () => {
    expect(fieldOf(() => parseStartRunInput({ ...valid, train: { ...valid.train, batchSize: 0 } }))).toBe('train.batchSize');
    expect(fieldOf(() => parseStartRunInput({ ...valid, model: { ...valid.model, bottomMlp: '13-abc' } }))).toBe('model.bottomMlp');
    expect(fieldOf(() => parseStartRunInput({ ...valid, optimizer: { ...valid.optimizer, dense: 'lbfgs' } }))).toBe('optimizer.dense');
    expect(fieldOf(() => parseStartRunInput({ ...valid, dataset: { kind: 'file' } }))).toBe('dataset.path');
    expect(fieldOf(() => parseStartRunInput({ ...valid, dataset: { kind: 'file', path: 'a\0b' } }))).toBe('dataset.path');
    expect(fieldOf(() => parseStartRunInput({ ...valid, surprise: 1 }))).toBe('surprise');
    expect(fieldOf(() => parseStartRunInput({ ...valid, train: { ...valid.train, lr: 1 } }))).toBe('train.lr');
    expect(fieldOf(() => parseStartRunInput(null))).toBe('input');
    expect(fieldOf(() => parseStartRunInput({ ...valid, train: { ...valid.train, epochs: Number.NaN } }))).toBe('train.epochs');
  });

  it('resolves the thread count when a run is created (explicit, or both cores by default)', () => {
    expect(parseStartRunInput({ ...valid, train: { ...valid.train, threads: 1 } }).train.threads).toBe(1);
    expect([1, 2]).toContain(parseStartRunInput(valid).train.threads);
    // steps of logistic regression and MF are too small for a second thread to pay off
    const lr = { ...valid, model: { kind: 'lr', embeddingDim: 1, bottomMlp: '', topMlp: '', interaction: 'dot', hashSize: 1000 } };
    expect(parseStartRunInput(lr).train.threads).toBe(1);
    expect(parseStartRunInput({ ...lr, train: { ...valid.train, threads: 2 } }).train.threads).toBe(2);
    expect(fieldOf(() => parseStartRunInput({ ...valid, train: { ...valid.train, threads: 3 } }))).toBe('train.threads');
  });

  it('takes an optional weight decay (0 is the same as none)', () => {
    expect(parseStartRunInput({ ...valid, optimizer: { ...valid.optimizer, weightDecay: 1e-4 } }).optimizer.weightDecay).toBe(1e-4);
    expect('weightDecay' in parseStartRunInput({ ...valid, optimizer: { ...valid.optimizer, weightDecay: 0 } }).optimizer).toBe(false);
    expect(fieldOf(() => parseStartRunInput({ ...valid, optimizer: { ...valid.optimizer, weightDecay: -1 } }))).toBe('optimizer.weightDecay');
  });

  it('takes a category encoding for any dataset kind and checks it', () => {
    const vocab = { ...valid, dataset: { ...valid.dataset, categories: { encoding: 'vocab', minCount: 5 } } };
    expect(parseStartRunInput(vocab).dataset.categories).toEqual({ encoding: 'vocab', minCount: 5 });
    const files = { kind: 'files', train: 'a.tsv', test: 'b.tsv', categories: { encoding: 'vocab' } };
    expect(parseStartRunInput({ ...valid, dataset: files }).dataset.categories).toEqual({ encoding: 'vocab', minCount: 1 });
    expect(parseStartRunInput({ ...valid, dataset: { ...valid.dataset, categories: { encoding: 'hash' } } }).dataset.categories).toEqual({ encoding: 'hash' });
    expect(fieldOf(() => parseStartRunInput({ ...valid, dataset: { ...valid.dataset, categories: { encoding: 'onehot' } } }))).toBe('dataset.categories.encoding');
    expect(fieldOf(() => parseStartRunInput({ ...valid, dataset: { ...valid.dataset, categories: { encoding: 'vocab', minCount: 0 } } }))).toBe('dataset.categories.minCount');
    expect(fieldOf(() => parseStartRunInput({ ...valid, dataset: { ...valid.dataset, categories: { encoding: 'hash', minCount: 2 } } }))).toBe('dataset.categories.minCount');
  });

  it('refuses ids that could reach the file system or SQL', () => {
    expect(parseIdInput({ id: 'a1B2-c_3' })).toEqual({ id: 'a1B2-c_3' });
    expect(fieldOf(() => parseIdInput({ id: '../../etc' }))).toBe('id');
    expect(fieldOf(() => parseIdInput({ id: "x' OR 1=1" }))).toBe('id');
    expect(fieldOf(() => parseIdInput({ id: '' }))).toBe('id');
  });

  it('validates queries, updates and explore inputs', () => {
    expect(parseRunQuery(undefined)).toEqual({});
    expect(parseRunQuery({ status: ['running'], limit: 5 })).toEqual({ status: ['running'], limit: 5 });
    expect(fieldOf(() => parseRunQuery({ status: ['sleeping'] }))).toBe('status[0]');
    expect(fieldOf(() => parseUpdateRun({ id: 'a', name: '' }))).toBe('name');
    expect(parseProjectionInput({ runId: 'r', table: 3, method: 'umap' })).toMatchObject({ dims: 2, maxPoints: 5000 });
    expect(fieldOf(() => parseProjectionInput({ runId: 'r', table: 26, method: 'pca' }))).toBe('table');
    expect(fieldOf(() => parseRecommendInput({ runId: 'r', itemFeature: 2, edits: { C99: 'x' } }))).toBe('edits.C99');
  });
});
