import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Batch } from '../data/types';
import { selectFeatures } from './ctr-model';
import { MatrixFactorization } from './mf';
import { modelArchitectureOf, type MfArchitecture, type ModelSpecWithFields } from './model-spec';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** F = 3; row a bags: [1], [0], [2]; row b: [0], [1, 0], [1]. */
const batch: Batch = {
  size: 2,
  dense: Float32Array.of(5, 6),
  sparse: { numFeatures: 3, batchSize: 2, values: Int32Array.of(1, 0, 0, 1, 0, 2, 1), offsets: Int32Array.of(0, 1, 2, 3, 5, 6, 7) },
  labels: Float32Array.of(1, 0),
};

describe('matrix factorisation', () => {
  it('selectFeatures keeps the chosen bags in the given order', () => {
    const s = selectFeatures(batch.sparse, [2, 1]);
    expect(s.numFeatures).toBe(2);
    expect(Array.from(s.values)).toEqual([2, 1, 0, 1, 0]);
    expect(Array.from(s.offsets)).toEqual([0, 1, 2, 3, 5]);
    expect(() => selectFeatures(batch.sparse, [3])).toThrow(/feature 3 does not exist/);
  });

  it('forward on a hand-computed example (user C3, item C1)', () => {
    const spec: ModelSpecWithFields = { kind: 'mf', embeddingDim: 2, bottomMlp: '', topMlp: '', interaction: 'dot', hashSize: 3, userField: 2, itemField: 0 };
    const arch = modelArchitectureOf(spec, { numDense: 1, numFeatures: 3 }) as MfArchitecture;
    expect(arch).toMatchObject({ userField: 2, itemField: 0 });
    // user table (C3, 3 rows [b_u | u]): (0.1 | 1, 0), (0.2 | 0, 1), (0.3 | 1, 1); item table (C1, 2 rows): (-0.5 | 2, 0), (0.5 | 1, 3); b = 0.25
    // row a: user row 2, item row 1: 0.25 + 0.3 + 0.5 + (1*1 + 1*3) = 5.05
    // row b: user row 1, item row 0: 0.25 + 0.2 - 0.5 + 0 = -0.05
    const model = MatrixFactorization.fromWeights(arch, [2, 2, 3], {
      tables: [Float32Array.of(0.1, 1, 0, 0.2, 0, 1, 0.3, 1, 1), Float32Array.of(-0.5, 2, 0, 0.5, 1, 3)],
      dense: [Float32Array.of(0.25)],
    });
    const logits = model.batchLogits(batch);
    expect(logits[0]).toBeCloseTo(5.05, 5);
    expect(logits[1]).toBeCloseTo(-0.05, 5);
    expect(model.paramCount).toBe(9 + 6 + 1);
    expect(model.embeddings.tableSizes).toEqual([3, 2]);
    model.dispose();
  });
});
