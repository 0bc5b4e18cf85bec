import { describe, expect, it } from 'vitest';
import { AlsModel, choleskySolve, type Side } from './als';
import { RatingMatrix } from './matrix';

const _ = NaN;
const ratings = RatingMatrix.fromDense([
  [5, 3, _, 1, _],
  [4, _, _, 1, 2],
  [1, 1, _, 5, 4],
  [_, 1, 5, 4, _],
  [2, _, 4, _, 5],
]);
const clicks = RatingMatrix.fromDense([
  [1, _, _, 2, _, _],
  [_, 1, _, _, _, 1],
  [3, _, 1, _, _, _],
  [_, _, _, 1, 1, _],
]);

/**
 * Residual |A x - b| / |b| of one row's normal equations, with A and b built densely from the
 * definitions (every cell for implicit feedback, not the Y^T Y shortcut the model uses).
 */
function normalResidual(model: AlsModel, side: Side, row: number): number {
  const D = model.factors;
  const m = model.matrix;
  const own = side === 'users' ? model.userFactors : model.itemFactors;
  const other = side === 'users' ? model.itemFactors : model.userFactors;
  const others = side === 'users' ? m.items : m.users;
  const a = Array.from({ length: D }, () => new Array<number>(D).fill(0));
  const b = new Array<number>(D).fill(0);
  for (let o = 0; o < others; o++) {
    const value = side === 'users' ? m.get(row, o) : m.get(o, row);
    let weight: number;
    let target: number;
    if (model.feedback === 'explicit') {
      if (value === undefined) continue;
      weight = 1;
      target = value;
    } else {
      const r = value ?? 0;
      weight = 1 + model.alpha * r; // confidence
      target = r > 0 ? 1 : 0; // preference
    }
    for (let d = 0; d < D; d++) {
      b[d]! += weight * target * other[o * D + d]!;
      for (let f = 0; f < D; f++) a[d]![f]! += weight * other[o * D + d]! * other[o * D + f]!;
    }
  }
  for (let d = 0; d < D; d++) a[d]![d]! += model.regularization;
  let residual = 0;
  let norm = 0;
  for (let d = 0; d < D; d++) {
    let ax = 0;
    for (let f = 0; f < D; f++) ax += a[d]![f]! * own[row * D + f]!;
    residual += (ax - b[d]!) ** 2;
    norm += b[d]! ** 2;
  }
  return Math.sqrt(residual) / Math.max(Math.sqrt(norm), 1e-300);
}

describe('choleskySolve', () => {
  it('solves a small SPD system exactly', () => {
    // A = [[4, 2], [2, 3]], b = [2, 1]: x = [0.5, 0]
    const a = Float64Array.of(4, 2, 2, 3);
    const b = Float64Array.of(2, 1);
    choleskySolve(a, b, 2);
    expect(b[0]).toBeCloseTo(0.5, 14);
    expect(b[1]).toBeCloseTo(0, 14);
  });
  it('refuses a matrix that is not positive definite', () => {
    expect(() => choleskySolve(Float64Array.of(1, 2, 2, 1), Float64Array.of(1, 1), 2)).toThrow(/positive definite/);
  });
});

describe.each(['explicit', 'implicit'] as const)('ALS, %s feedback', (feedback) => {
  const matrix = feedback === 'explicit' ? ratings : clicks;

  it('each half-step solves its normal equations exactly', () => {
    const model = new AlsModel(matrix, { factors: 3, regularization: 0.1, feedback, alpha: 5, seed: 3 });
    for (let t = 0; t < 3; t++) {
      model.halfStep('users');
      for (let u = 0; u < matrix.users; u++) expect(normalResidual(model, 'users', u)).toBeLessThan(1e-6);
      model.halfStep('items');
      for (let i = 0; i < matrix.items; i++) {
        // an item nobody rated under explicit feedback has b = 0 and x = 0: the residual is exactly 0
        expect(normalResidual(model, 'items', i)).toBeLessThan(1e-6);
      }
    }
  });

  it('the objective never rises from one half-step to the next (each is an exact minimisation)', () => {
    const model = new AlsModel(matrix, { factors: 3, regularization: 0.1, feedback, alpha: 5, seed: 4 });
    let previous = model.loss();
    const start = previous;
    for (let t = 0; t < 10; t++) {
      for (const side of ['users', 'items'] as const) {
        model.halfStep(side);
        const now = model.loss();
        expect(now).toBeLessThanOrEqual(previous + 1e-9 * Math.max(1, previous));
        previous = now;
      }
    }
    expect(previous).toBeLessThan(start);
  });
});

describe('ALS fit', () => {
  it('explicit ALS with enough factors reproduces the observed ratings closely', () => {
    const model = AlsModel.fit(ratings, { factors: 4, regularization: 0.01, feedback: 'explicit', iterations: 200, seed: 1 });
    let worst = 0;
    for (let u = 0; u < ratings.users; u++) {
      for (let i = 0; i < ratings.items; i++) {
        const r = ratings.get(u, i);
        if (r !== undefined) worst = Math.max(worst, Math.abs(model.predict(u, i) - r));
      }
    }
    expect(worst).toBeLessThan(0.1);
  });

  it('implicit ALS ranks a user’s clicked items above unclicked ones', () => {
    const model = AlsModel.fit(clicks, { factors: 4, regularization: 0.05, feedback: 'implicit', alpha: 10, iterations: 30 });
    const out = new Float64Array(clicks.items);
    model.scoreItems(0, Int32Array.from({ length: clicks.items }, (_, i) => i), out);
    const clicked = Math.min(out[0]!, out[3]!);
    for (const i of [1, 2, 4, 5]) expect(out[i]!).toBeLessThan(clicked);
  });

  it('rejects regularisation 0', () => {
    expect(() => new AlsModel(clicks, { regularization: 0 })).toThrow(/regularization/);
  });
});
