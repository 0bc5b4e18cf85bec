import { describe, expect, it } from 'vitest';
import { AlsModel, type AlsOptions } from './als';
import { antidoteGradient, computeAntidote, socialMetrics, workingModel } from './antidote';
import { RatingMatrix, type Entry } from './matrix';

/** A sparse 0/1 rating matrix of 60 users x 40 items with two taste clusters (seeded). */
function ratings(): { matrix: RatingMatrix; groups: Uint8Array } {
  let state = 7;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const entries: Entry[] = [];
  for (let u = 0; u < 60; u++) {
    for (let i = 0; i < 40; i++) {
      if (next() > 0.35) continue;
      const likes = (u % 2 === 0) === (i < 20) ? 0.7 : 0.15;
      entries.push({ user: u, item: i, value: next() < likes ? 1 : 0 });
    }
  }
  return { matrix: RatingMatrix.fromEntries(60, 40, entries), groups: Uint8Array.from({ length: 60 }, (_, u) => (u < 30 ? 0 : 1)) };
}

const als: AlsOptions = { factors: 4, regularization: 1, iterations: 15, feedback: 'explicit', seed: 3 };

describe('antidote data', () => {
  it('the first-order gradient points the way finite differences of the working model do (cosine > 0.9 over 24 ratings; 0.9994 when written)', () => {
    const { matrix, groups } = ratings();
    const before = AlsModel.fit(matrix, als);
    const A = 3;
    const N = matrix.items;
    const antidote = Float64Array.from({ length: A * N }, (_, k) => 0.2 + 0.6 * (((k * 7919) % 97) / 97));
    const objective = (r: Float64Array): number => socialMetrics(workingModel(matrix, r, A, als, before.userFactors, before.itemFactors), matrix, groups).polarization;
    const model = workingModel(matrix, antidote, A, als, before.userFactors, before.itemFactors);
    const analytic = antidoteGradient(model, matrix, antidote, A, groups, 'polarization');
    let dot = 0;
    let na = 0;
    let nn = 0;
    for (let sample = 0; sample < 24; sample++) {
      const k = (sample * 37) % (A * N);
      const eps = 1e-4;
      const up = antidote.slice();
      up[k]! += eps;
      const down = antidote.slice();
      down[k]! -= eps;
      const numeric = (objective(up) - objective(down)) / (2 * eps);
      dot += numeric * analytic[k]!;
      na += analytic[k]! ** 2;
      nn += numeric ** 2;
    }
    expect(dot / Math.sqrt(na * nn)).toBeGreaterThan(0.9);
  });

  it('lowers polarisation on a small two-cluster matrix and reports both groups before and after', () => {
    const { matrix, groups } = ratings();
    const result = computeAntidote(matrix, { objective: 'polarization', budget: 0.1, groups, als });
    expect(result.antidoteUsers).toBe(6);
    expect(result.ratings.length).toBe(6 * 40);
    expect(result.ratings.every((r) => r >= 0 && r <= 1)).toBe(true);
    expect(result.after.polarization).toBeLessThan(result.before.polarization);
    expect(result.before.groupError.every((e) => e > 0)).toBe(true);
    // a budget that rounds to no user changes nothing
    const none = computeAntidote(matrix, { objective: 'polarization', budget: 0.001, groups, als });
    expect(none.antidoteUsers).toBe(0);
    expect(none.after).toEqual(none.before);
  });
});
