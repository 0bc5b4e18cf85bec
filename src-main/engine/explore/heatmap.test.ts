import { describe, expect, it } from 'vitest';
import { interactionHeatmap, pairRemovalLogLoss, rowInteractionHeatmap } from './heatmap';
import { randomBatch, randomDotTestModel } from './testing';

// Test double: logit = bias + sum_{i>j} w_ij <v_i, v_j>, v_0 = dense W, v_{f+1} = table_f[row].
const F = 4;
const D = 3;
const I = 2;
const V = F + 1;
const model = randomDotTestModel({ numFeatures: F, embeddingDim: D, numDense: I, tableSize: 7, seed: 1, bias: 0.25 });
const batch = randomBatch(model, 64, 2);

/** The vectors of example b rebuilt straight from the tables and W (not through interactionVectors). */
function vectorsOf(b: number): number[][] {
  const out: number[][] = [];
  const w = model.spec.denseWeights;
  out.push(Array.from({ length: D }, (_, d) => batch.dense[b * I] * w[d] + batch.dense[b * I + 1] * w[D + d]));
  for (let f = 0; f < F; f++) {
    const row = batch.sparse.values[f * batch.size + b];
    out.push(Array.from(model.table(f).subarray(row * D, row * D + D)));
  }
  return out;
}
const dot = (a: number[], b: number[]): number => a.reduce((s, x, d) => s + x * b[d], 0);

describe('interactionHeatmap', () => {
  const heatmap = interactionHeatmap(model, [batch]);

  it('labels the vectors dense, C1..CF', () => {
    expect(heatmap.labels).toEqual(['dense', 'C1', 'C2', 'C3', 'C4']);
    expect(heatmap.rows).toBe(64);
  });

  it('mean dot and mean |dot| equal the values recomputed from the embeddings', () => {
    for (let i = 0; i < V; i++) {
      for (let j = 0; j < V; j++) {
        let sum = 0;
        let sumAbs = 0;
        for (let b = 0; b < batch.size; b++) {
          const v = vectorsOf(b);
          sum += dot(v[i], v[j]);
          sumAbs += Math.abs(dot(v[i], v[j]));
        }
        expect(heatmap.meanDot[i][j]).toBeCloseTo(sum / batch.size, 5);
        expect(heatmap.meanAbsDot[i][j]).toBeCloseTo(sumAbs / batch.size, 5);
      }
    }
  });

  it('contribution is w_ij * mean dot and sums (lower triangle) to mean(logit - bias)', () => {
    const w = model.spec.pairWeights;
    let total = 0;
    for (let i = 0; i < V; i++) {
      expect(heatmap.contribution[i][i]).toBe(0); // no self-interaction in the double
      for (let j = 0; j < i; j++) {
        expect(heatmap.contribution[i][j]).toBeCloseTo(w[i * V + j] * heatmap.meanDot[i][j], 5);
        expect(heatmap.contribution[j][i]).toBe(heatmap.contribution[i][j]);
        total += heatmap.contribution[i][j];
      }
    }
    const logits = model.logitsFromVectors(model.interactionVectors(batch), batch.size);
    const meanLogit = logits.reduce((s, x) => s + x, 0) / batch.size;
    expect(total).toBeCloseTo(meanLogit - 0.25, 4);
  });

  it('averages over several batches like over one', () => {
    const halves = interactionHeatmap(model, [randomBatch(model, 30, 5), randomBatch(model, 10, 6)]);
    expect(halves.rows).toBe(40);
    expect(halves.meanDot[1][2]).not.toBeCloseTo(heatmap.meanDot[1][2], 6);
  });
});

describe('rowInteractionHeatmap', () => {
  it('gives one row its dots, prediction and label', () => {
    const row = rowInteractionHeatmap(model, batch, 9);
    const v = vectorsOf(9);
    expect(row.rows).toBe(1);
    expect(row.meanDot[3][1]).toBeCloseTo(dot(v[3], v[1]), 5);
    expect(row.meanAbsDot[3][1]).toBeCloseTo(Math.abs(dot(v[3], v[1])), 5);
    let logit = 0.25;
    for (let i = 1; i < V; i++) for (let j = 0; j < i; j++) logit += model.spec.pairWeights[i * V + j] * dot(v[i], v[j]);
    expect(row.prediction).toBeCloseTo(1 / (1 + Math.exp(-logit)), 5);
    expect(row.label).toBe(batch.labels[9]);
  });
});

describe('pairRemovalLogLoss', () => {
  it('is zero for pairs the logit does not use and non-zero for pairs it does', () => {
    const sparse = randomDotTestModel({ numFeatures: 3, embeddingDim: D, numDense: I, tableSize: 7, seed: 3, usedPairs: [[2, 1], [3, 0]], weightScale: 3 });
    const rows = randomBatch(sparse, 200, 4);
    const change = pairRemovalLogLoss(sparse, rows);
    expect(change[2][1]).toBeGreaterThan(0.01);
    expect(change[3][0]).toBeGreaterThan(0.01);
    expect(change[1][0]).toBe(0);
    expect(change[3][2]).toBe(0);
    expect(change[1][2]).toBe(change[2][1]);
  });
});
