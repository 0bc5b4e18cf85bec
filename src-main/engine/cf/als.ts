/**
 * Matrix factorisation by alternating least squares: fix the item factors Y and solve every user's
 * factors exactly (a D x D linear system each), then fix X and solve every item's, and repeat.
 *
 * Explicit feedback (the observed entries are ratings):
 *   minimise sum_{(u,i) observed} (r_ui - x_u . y_i)^2 + lambda (sum_u |x_u|^2 + sum_i |y_i|^2)
 *   user half-step: (sum_{i in I_u} y_i y_i^T + lambda I) x_u = sum_{i in I_u} r_ui y_i
 * Implicit feedback (Hu, Koren and Volinsky 2008; every cell counts, the observed ones are counts):
 *   preference p_ui = 1 when r_ui > 0 else 0, confidence c_ui = 1 + alpha r_ui (1 for unobserved cells)
 *   minimise sum_{all u,i} c_ui (p_ui - x_u . y_i)^2 + lambda (sum |x_u|^2 + sum |y_i|^2)
 *   user half-step: (Y^T Y + sum_{i in I_u} (c_ui - 1) y_i y_i^T + lambda I) x_u = sum_{i in I_u} c_ui p_ui y_i
 *   (Y^T Y is computed once per half-step, so a user costs O(|I_u| D^2 + D^3), not O(N D^2)).
 * The item half-step is the same with the roles swapped. Each system is symmetric positive definite
 * (lambda > 0) and solved by Cholesky in float64.
 *
 * Shape letters: U users, N items, D factors.
 */
import { splitmix32, UniformSource, xoshiro128StarStar } from '../random';
import type { RatingMatrix } from './matrix';
import type { Feedback, ItemScorer } from './neighbourhood';

export interface AlsOptions {
  /** D, number of factors. Default 16. */
  factors?: number;
  /** lambda, L2 regularisation (> 0). Default 0.1. */
  regularization?: number;
  /** Implicit (Hu-Koren-Volinsky) or explicit. Default 'implicit'. */
  feedback?: Feedback;
  /** alpha of the implicit confidence c = 1 + alpha r. Default 10. */
  alpha?: number;
  /** Alternations (a user half-step then an item half-step). Default 10. */
  iterations?: number;
  /** Seed of the initial factors N(0, 0.1^2). Default 1. */
  seed?: number;
}

/** Seeded uniform source for the initial factors (xoshiro128** seeded through splitmix32). */
class FactorRandom extends UniformSource {
  private readonly state = new Uint32Array(4);
  constructor(seed: number) {
    super();
    let state = Math.floor(seed) | 0;
    for (let i = 0; i < 4; i++) {
      const [next, output] = splitmix32(state);
      state = next;
      this.state[i] = output;
    }
    if ((this.state[0]! | this.state[1]! | this.state[2]! | this.state[3]!) === 0) this.state[0] = 1;
  }
  nextUint32(): number {
    return xoshiro128StarStar(this.state);
  }
}

/**
 * Solves A x = b in place for a symmetric positive definite A [D, D] (row-major, overwritten by its
 * Cholesky factor); x is written into b. @throws Error when A is not positive definite.
 */
export function choleskySolve(a: Float64Array, b: Float64Array, D: number): void {
  for (let j = 0; j < D; j++) {
    let diagonal = a[j * D + j]!;
    for (let k = 0; k < j; k++) diagonal -= a[j * D + k]! ** 2;
    if (!(diagonal > 0)) throw new Error('ALS: a normal-equation matrix is not positive definite (is the regularisation > 0?)');
    const l = Math.sqrt(diagonal);
    a[j * D + j] = l;
    for (let i = j + 1; i < D; i++) {
      let sum = a[i * D + j]!;
      for (let k = 0; k < j; k++) sum -= a[i * D + k]! * a[j * D + k]!;
      a[i * D + j] = sum / l;
    }
  }
  for (let i = 0; i < D; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= a[i * D + k]! * b[k]!;
    b[i] = sum / a[i * D + i]!;
  }
  for (let i = D - 1; i >= 0; i--) {
    let sum = b[i]!;
    for (let k = i + 1; k < D; k++) sum -= a[k * D + i]! * b[k]!;
    b[i] = sum / a[i * D + i]!;
  }
}

/** Which side a half-step solves. */
export type Side = 'users' | 'items';

/**
 * The normal equations of one row of `side` given the other side's factors: A [D, D] and b [D]
 * written into `a` and `b`. `gram` is the other side's F^T F [D, D] (used by implicit feedback only).
 */
export function normalEquations(
  model: AlsModel,
  side: Side,
  row: number,
  gram: Float64Array,
  a: Float64Array,
  b: Float64Array,
): void {
  const D = model.factors;
  const m = model.matrix;
  const other = side === 'users' ? model.itemFactors : model.userFactors;
  const start = side === 'users' ? m.rowStart : m.colStart;
  const ids = side === 'users' ? m.rowItems : m.colUsers;
  const values = side === 'users' ? m.rowValues : m.colValues;
  const implicit = model.feedback === 'implicit';
  if (implicit) a.set(gram);
  else a.fill(0);
  b.fill(0);
  for (let e = start[row]!; e < start[row + 1]!; e++) {
    const q = ids[e]! * D;
    const r = values[e]!;
    // explicit: weight 1, target r; implicit: extra weight c - 1 = alpha r, target c p
    const weight = implicit ? model.alpha * r : 1;
    const target = implicit ? (r > 0 ? 1 + model.alpha * r : 0) : r;
    for (let d = 0; d < D; d++) {
      const yd = other[q + d]!;
      b[d]! += target * yd;
      if (weight !== 0) for (let f = 0; f <= d; f++) a[d * D + f]! += weight * yd * other[q + f]!;
    }
  }
  for (let d = 0; d < D; d++) {
    for (let f = 0; f < d; f++) a[f * D + d] = a[d * D + f]!;
    a[d * D + d]! += model.regularization;
  }
}

/** F^T F [D, D] of a factor matrix [rows, D]. */
export function gramMatrix(factors: Float64Array, rows: number, D: number, out: Float64Array): void {
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    const p = r * D;
    for (let d = 0; d < D; d++) {
      const fd = factors[p + d]!;
      for (let f = 0; f <= d; f++) out[d * D + f]! += fd * factors[p + f]!;
    }
  }
  for (let d = 0; d < D; d++) for (let f = 0; f < d; f++) out[f * D + d] = out[d * D + f]!;
}

export class AlsModel implements ItemScorer {
  readonly factors: number;
  readonly regularization: number;
  readonly feedback: Feedback;
  readonly alpha: number;
  /** [U, D] */
  readonly userFactors: Float64Array;
  /** [N, D] */
  readonly itemFactors: Float64Array;

  constructor(readonly matrix: RatingMatrix, options: AlsOptions = {}) {
    this.factors = options.factors ?? 16;
    this.regularization = options.regularization ?? 0.1;
    this.feedback = options.feedback ?? 'implicit';
    this.alpha = options.alpha ?? 10;
    if (!(this.regularization > 0)) throw new RangeError('ALS regularization must be > 0');
    if (!Number.isInteger(this.factors) || this.factors < 1) throw new RangeError('ALS factors must be a positive integer');
    const D = this.factors;
    const random = new FactorRandom(options.seed ?? 1);
    this.userFactors = new Float64Array(matrix.users * D);
    this.itemFactors = new Float64Array(matrix.items * D);
    for (let k = 0; k < this.userFactors.length; k++) this.userFactors[k] = 0.1 * random.normal();
    for (let k = 0; k < this.itemFactors.length; k++) this.itemFactors[k] = 0.1 * random.normal();
  }

  /** Fits by `iterations` alternations (default from the options, else 10). */
  static fit(matrix: RatingMatrix, options: AlsOptions = {}): AlsModel {
    const model = new AlsModel(matrix, options);
    const iterations = options.iterations ?? 10;
    for (let t = 0; t < iterations; t++) {
      model.halfStep('users');
      model.halfStep('items');
    }
    return model;
  }

  /** Solves every row of `side` exactly given the other side's current factors. */
  halfStep(side: Side): void {
    const D = this.factors;
    const rows = side === 'users' ? this.matrix.users : this.matrix.items;
    const target = side === 'users' ? this.userFactors : this.itemFactors;
    const gram = new Float64Array(D * D);
    if (this.feedback === 'implicit') {
      const other = side === 'users' ? this.itemFactors : this.userFactors;
      gramMatrix(other, side === 'users' ? this.matrix.items : this.matrix.users, D, gram);
    }
    const a = new Float64Array(D * D);
    const b = new Float64Array(D);
    for (let row = 0; row < rows; row++) {
      normalEquations(this, side, row, gram, a, b);
      choleskySolve(a, b, D);
      target.set(b, row * D);
    }
  }

  /** The objective the half-steps minimise (explicit: observed squared errors; implicit: every cell), plus the penalty. */
  loss(): number {
    const m = this.matrix;
    let total = 0;
    if (this.feedback === 'explicit') {
      for (let u = 0; u < m.users; u++) {
        for (let e = m.rowStart[u]!; e < m.rowStart[u + 1]!; e++) total += (m.rowValues[e]! - this.predict(u, m.rowItems[e]!)) ** 2;
      }
    } else {
      for (let u = 0; u < m.users; u++) {
        for (let i = 0; i < m.items; i++) {
          const r = m.get(u, i) ?? 0;
          const c = 1 + this.alpha * r;
          total += c * ((r > 0 ? 1 : 0) - this.predict(u, i)) ** 2;
        }
      }
    }
    let penalty = 0;
    for (const f of this.userFactors) penalty += f * f;
    for (const f of this.itemFactors) penalty += f * f;
    return total + this.regularization * penalty;
  }

  predict(user: number, item: number): number {
    const D = this.factors;
    let dot = 0;
    for (let d = 0; d < D; d++) dot += this.userFactors[user * D + d]! * this.itemFactors[item * D + d]!;
    return dot;
  }

  /** x_u . y_i; items outside the fitted matrix (new arrivals) score 0. */
  scoreItems(user: number, items: Int32Array, out: Float32Array | Float64Array): void {
    const known = user < this.matrix.users;
    for (let j = 0; j < items.length; j++) {
      const item = items[j]!;
      out[j] = known && item < this.matrix.items ? this.predict(user, item) : 0;
    }
  }
}
