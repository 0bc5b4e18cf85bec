import { describe, expect, it } from 'vitest';
import { bottomOutputs, projectTable } from './project';
import { randomBatch, randomDotTestModel } from './testing';

describe('projectTable', () => {
  const model = randomDotTestModel({ numFeatures: 2, embeddingDim: 4, numDense: 2, tableSize: 60, seed: 2 });
  const counts = Array.from({ length: 60 }, (_, row) => (row % 3 === 0 ? 0 : row)); // rows 0, 3, 6.. unseen

  it('projects the most frequent rows with PCA and reports explained variance', async () => {
    const result = await projectTable(model, 1, counts, { method: 'pca', dims: 2, maxPoints: 10 });
    expect(Array.from(result.ids)).toEqual([59, 58, 56, 55, 53, 52, 50, 49, 47, 46]);
    expect(result.coords).toHaveLength(20);
    expect(result.explainedVariance).toHaveLength(4);
    expect(result.explainedVariance!.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 6);
  });

  it('re-projects an isolated subset with t-SNE and UMAP, reporting progress', async () => {
    const subset = Array.from({ length: 30 }, (_, i) => i * 2);
    for (const method of ['tsne', 'umap'] as const) {
      const fractions: number[] = [];
      const result = await projectTable(model, 0, counts, {
        method,
        dims: 3,
        subset,
        iterations: 40,
        onProgress: (fraction) => fractions.push(fraction),
      });
      expect(Array.from(result.ids)).toEqual(subset);
      expect(result.coords).toHaveLength(90);
      expect(result.explainedVariance).toBeNull();
      expect(fractions.at(-1)).toBe(1);
    }
  });
});

describe('bottomOutputs', () => {
  it('is vector 0 of the interaction: dense x W for the double', () => {
    const model = randomDotTestModel({ numFeatures: 2, embeddingDim: 3, numDense: 2, tableSize: 5, seed: 4 });
    const batch = randomBatch(model, 4, 1);
    const out = bottomOutputs(model, batch);
    const w = model.spec.denseWeights;
    for (let b = 0; b < 4; b++) {
      for (let d = 0; d < 3; d++) expect(out[b * 3 + d]).toBeCloseTo(batch.dense[b * 2] * w[d] + batch.dense[b * 2 + 1] * w[3 + d], 6);
    }
  });
});
