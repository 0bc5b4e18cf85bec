import { describe, expect, it } from 'vitest';
import { diffConfigs, flattenConfig } from './config-diff';

describe('flattenConfig', () => {
  it('turns nesting into dotted paths and arrays into JSON text', () => {
    expect(flattenConfig({ model: { embeddingDim: 16, preset: null }, tags: ['a', 'b'], train: { seed: 1 } })).toEqual({
      'model.embeddingDim': 16,
      'model.preset': null,
      tags: '["a","b"]',
      'train.seed': 1,
    });
  });
});

describe('diffConfigs', () => {
  it('keeps only the keys whose values differ, sorted, with null where a key is missing', () => {
    const a = { model: { embeddingDim: 16, interaction: 'dot' }, train: { batchSize: 256 } };
    const b = { model: { embeddingDim: 32, interaction: 'dot' }, train: { batchSize: 256, backend: 'wasm' } };
    expect(diffConfigs([a, b])).toEqual([
      { key: 'model.embeddingDim', values: [16, 32] },
      { key: 'train.backend', values: [null, 'wasm'] },
    ]);
  });

  it('finds nothing between identical configs', () => {
    const config = { optimizer: { learningRate: 0.1 } };
    expect(diffConfigs([config, structuredClone(config), structuredClone(config)])).toEqual([]);
  });
});
