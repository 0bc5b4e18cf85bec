import { describe, expect, it } from 'vitest';
import type { StartRunInput } from '../../../../src-main/service/contract';
import { DEFAULT_OPTIMIZER, DEFAULT_TRAIN, FALLBACK_MODEL, quickStartRun } from '../../lib/defaults';
import { modelDiffersFromPreset, parseTags, validateForm } from './new-run-form';

const valid: StartRunInput = {
  model: { ...FALLBACK_MODEL },
  optimizer: { ...DEFAULT_OPTIMIZER },
  dataset: { kind: 'synthetic', rows: 100_000, seed: 1 },
  train: { ...DEFAULT_TRAIN },
};

describe('new-run form', () => {
  it('parses tags', () => {
    expect(parseTags(' a, b,,c , a')).toEqual(['a', 'b', 'c']);
    expect(parseTags('')).toEqual([]);
  });

  it('accepts the defaults and names each bad field', () => {
    expect(validateForm(valid)).toEqual([]);
    const bad: StartRunInput = {
      ...valid,
      dataset: { kind: 'file', path: '', split: 'random', validFraction: 0.6, testFraction: 0.5 },
      train: { ...valid.train, batchSize: 0, epochs: 1.5 },
      optimizer: { ...valid.optimizer, learningRate: 0 },
    };
    const errors = validateForm(bad);
    expect(errors).toHaveLength(5);
    expect(errors.join(' ')).toMatch(/path/);
    expect(errors.join(' ')).toMatch(/Batch size/);
    expect(errors.join(' ')).toMatch(/Epochs/);
    expect(errors.join(' ')).toMatch(/Learning rate/);
    expect(errors.join(' ')).toMatch(/shares/);
  });

  it('checks the vocabulary minimum count', () => {
    expect(validateForm({ ...valid, dataset: { kind: 'synthetic', rows: 100_000, seed: 1, categories: { encoding: 'vocab', minCount: 3 } } })).toEqual([]);
    expect(validateForm({ ...valid, dataset: { kind: 'synthetic', rows: 100_000, seed: 1, categories: { encoding: 'vocab', minCount: 0 } } })).toEqual([
      'Minimum count: a whole number above 0.',
    ]);
  });

  it('checks the hybrid parallel workers', () => {
    expect(validateForm({ ...valid, train: { ...valid.train, hybridWorkers: 4 } })).toEqual([]);
    expect(validateForm({ ...valid, train: { ...valid.train, hybridWorkers: 2.5 } })).toEqual(['Hybrid parallel workers: empty (off) or a whole number from 1 to 64.']);
    expect(validateForm({ ...valid, train: { ...valid.train, hybridWorkers: 65 } })).toHaveLength(1);
    expect(validateForm({ ...valid, model: { ...valid.model, kind: 'lr' }, train: { ...valid.train, hybridWorkers: 2 } })).toEqual(['Hybrid parallel workers: DLRMs only (leave it empty for this model).']);
    expect(validateForm({ ...valid, train: { ...valid.train, hybridWorkers: 2, hybridMemoryBudgetBytes: 64 * 1024 * 1024 } })).toEqual([]);
    expect(validateForm({ ...valid, train: { ...valid.train, hybridMemoryBudgetBytes: 64 * 1024 * 1024 } })).toEqual(['Hybrid memory per worker: a positive number of MiB, with hybrid parallel workers set.']);
  });

  it('checks the shuffle window (files only)', () => {
    const file: StartRunInput = { ...valid, dataset: { kind: 'file', path: '/data/day_0.tsv', split: 'days7' } };
    expect(validateForm({ ...file, train: { ...file.train, shuffleWindow: 65_536 } })).toEqual([]);
    expect(validateForm(file)).toEqual([]);
    for (const bad of [0, -5, 2.5, 2 ** 31]) {
      expect(validateForm({ ...file, train: { ...file.train, shuffleWindow: bad } })).toEqual(['Shuffle window: empty (off) or a whole number of rows above 0.']);
    }
    expect(validateForm({ ...valid, train: { ...valid.train, shuffleWindow: 4096 } })).toEqual(['Shuffle window: files only (synthetic rows have no stored order; leave it empty).']);
  });

  it('checks the weight decay', () => {
    expect(validateForm({ ...valid, optimizer: { ...valid.optimizer, weightDecay: 1e-4 } })).toEqual([]);
    expect(validateForm({ ...valid, optimizer: { ...valid.optimizer, weightDecay: -1 } })).toEqual(['Weight decay: a number from 0 to 10.']);
  });

  it('notices a model edited away from its preset', () => {
    expect(modelDiffersFromPreset({ ...FALLBACK_MODEL, preset: undefined }, FALLBACK_MODEL)).toBe(false);
    expect(modelDiffersFromPreset({ ...FALLBACK_MODEL, embeddingDim: 32 }, FALLBACK_MODEL)).toBe(true);
  });

  it('builds the quick-start run from the criteo-kaggle preset with small tables', () => {
    const preset = { name: 'criteo-kaggle', description: '', model: { ...FALLBACK_MODEL, hashSize: 100_000 } };
    const input = quickStartRun([preset]);
    expect(input.model.hashSize).toBe(10_000);
    expect(input.model.bottomMlp).toBe('13-512-256-64-16');
    expect(input.dataset).toEqual({ kind: 'synthetic', rows: 100_000, seed: 1 });
    expect(input.train.batchSize).toBe(256);
    expect(input.train.epochs).toBe(1);
    expect(input.train.evalEvery).toBe(100);
    expect(validateForm(input)).toEqual([]);
    // Without presets (service unreachable for presets.list) it falls back to the same architecture.
    expect(quickStartRun([]).model).toEqual(FALLBACK_MODEL);
  });
});
