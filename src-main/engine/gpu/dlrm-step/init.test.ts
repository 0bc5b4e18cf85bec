import { describe, expect, it } from 'vitest';
import { initBackend } from '../../backend';
import { architectureOf } from '../../model/architecture';
import { Dlrm } from '../../model/dlrm';
import { initialDlrmWeights } from './init';

describe('initialDlrmWeights', () => {
  it('gives the numbers of Dlrm.create for the same seed, without tfjs', async () => {
    await initBackend('cpu');
    const arch = architectureOf({ kind: 'dlrm', embeddingDim: 4, bottomMlp: '13-8-4', topMlp: '6-1', interaction: 'dot', hashSize: 30 }, { numFeatures: 3 });
    const tableSizes = [30, 20, 10];
    const model = Dlrm.create(arch, tableSizes, 7);
    const expected = model.weights();
    model.dispose();
    const got = initialDlrmWeights(arch, tableSizes, 7);
    expect(got.tables).toEqual(expected.tables);
    expect(got.dense).toEqual(expected.dense);
    expect(initialDlrmWeights(arch, tableSizes, 8).tables[0]).not.toEqual(expected.tables[0]);
  });
});
