/**
 * explore/ on the real Dlrm (model/dlrm.ts), tfjs cpu backend: the matrix-factorisation equivalence
 * and the heatmap's mean dot read through a real model.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { architectureOf } from '../model/architecture';
import { Dlrm } from '../model/dlrm';
import { oneHotIndices } from './batch';
import { interactionHeatmap } from './heatmap';
import { matrixFactorisationCheck } from './matrix-factorisation';

// "Matrix factorisation" DLRM: a user field and an item field, no bottom MLP (the D = 4 dense inputs
// are the dense vector and are fed as zeros), top MLP = one linear unit.
const arch = architectureOf(
  { kind: 'dlrm', embeddingDim: 4, bottomMlp: '', topMlp: '1', interaction: 'dot', hashSize: 50 },
  { numDense: 4, numFeatures: 2 },
);
let model: Dlrm;
beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
  model = Dlrm.create(arch, [30, 40], 7);
});
afterAll(() => model.dispose());

describe('explore on a real Dlrm', () => {
  it('a two-field DLRM without MLPs scores w <u, i> + b (matrix factorisation)', () => {
    const pairs = Array.from({ length: 20 }, (_, t) => ({ user: (t * 7) % 30, item: (t * 13) % 40 }));
    const check = matrixFactorisationCheck(model, pairs, { numDense: 4 });
    expect(Math.abs(check.slope)).toBeGreaterThan(1e-3);
    expect(check.maxResidual).toBeLessThan(1e-4);
    expect(check.rSquared).toBeGreaterThan(0.999999);
  });

  it('the heatmap mean dot of (C2, C1) is the mean dot of the table rows', () => {
    const users = [0, 5, 9];
    const items = [1, 2, 39];
    const rows = Int32Array.from(users.flatMap((u, b) => [u, items[b]]));
    const batch = { size: 3, dense: new Float32Array(12), sparse: oneHotIndices(rows, 3, 2), labels: new Float32Array(3) };
    const heatmap = interactionHeatmap(model, batch);
    const D = 4;
    let expected = 0;
    users.forEach((u, b) => {
      for (let d = 0; d < D; d++) expected += model.table(0)[u * D + d] * model.table(1)[items[b] * D + d];
    });
    expect(heatmap.meanDot[2][1]).toBeCloseTo(expected / 3, 5);
    expect(heatmap.meanDot[1][0]).toBe(0); // zero dense vector
  });
});
