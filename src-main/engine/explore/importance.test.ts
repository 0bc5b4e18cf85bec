import { describe, expect, it } from 'vitest';
import { featureRemovalImportance } from './importance';
import { randomBatch, randomDotTestModel } from './testing';

describe('featureRemovalImportance', () => {
  // A double whose logit uses only the dense vector (0), C2 (vector 2) and C5 (vector 5): pairs among
  // them carry strong weights, every other pair weight is 0. Labels are drawn from the double itself.
  const model = randomDotTestModel({
    numFeatures: 6,
    embeddingDim: 4,
    numDense: 3,
    tableSize: 20,
    seed: 8,
    usedPairs: [[2, 0], [5, 0], [5, 2]],
    weightScale: 2,
  });
  const batches = [randomBatch(model, 1500, 1), randomBatch(model, 1500, 2)];
  const result = featureRemovalImportance(model, batches, { missingRows: [0, 0, 0, 0, 0, 0] });

  it('ranks the planted features above every unused one', () => {
    expect(result.baseline.rows).toBe(3000);
    expect(result.baseline.auc).toBeGreaterThan(0.7);
    expect(result.features.map((f) => f.feature).slice(0, 3).sort()).toEqual(['C2', 'C5', 'dense']);
    for (const used of result.features.slice(0, 3)) {
      expect(used.aucDrop).toBeGreaterThan(0.02);
      expect(used.logLossIncrease).toBeGreaterThan(0.01);
    }
  });

  it('gives unused features exactly zero change (their vectors never reach the logit)', () => {
    for (const unused of result.features.slice(3)) {
      expect(['C1', 'C3', 'C4', 'C6']).toContain(unused.feature);
      expect(unused.aucDrop).toBe(0);
      expect(unused.logLossIncrease).toBe(0);
    }
    expect(result.features.find((f) => f.feature === 'dense')?.index).toBe(-1);
  });

  it('is sorted by AUC drop', () => {
    for (let t = 1; t < result.features.length; t++) expect(result.features[t].aucDrop).toBeLessThanOrEqual(result.features[t - 1].aucDrop);
  });
});
