/**
 * Optimizers. Dense ones update the MLP tf.Variables; sparse ones update host embedding rows.
 * Hand-written (rather than tf.train.*) so the learning rate can change every step and the state
 * can be saved to and restored from a checkpoint exactly. Update rules follow PyTorch:
 *   sgd      w -= lr g
 *   adagrad  a += g^2; w -= lr g / (sqrt(a) + 1e-10)                          (initial a = 0)
 *   adam     m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 *            w -= lr (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + 1e-8)             (b1 0.9, b2 0.999)
 *   row-wise sparse adagrad (tables): one accumulator per row,
 *            a[row] += mean_d(g[row]^2); row -= lr g[row] / (sqrt(a[row]) + 1e-10)
 * Weight decay (optional, L2 as PyTorch's weight_decay): g += wd w before the rule, for every dense
 * weight and for the table rows a batch touches (rows it does not touch are left alone, as sparse
 * optimizers do).
 */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerKind, OptimizerSpec } from '../../domain';
import { toShared, type SparseRowGradient } from '../model/embedding';

export const ADAGRAD_EPSILON = 1e-10;
export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;
export const ADAM_EPSILON = 1e-8;

/** Optimizer of a fixed list of variables. */
export interface DenseOptimizer {
  readonly kind: OptimizerKind;
  /** One update; grads in the order of the variables. Call inside or outside tf.tidy. */
  apply(grads: readonly tf.Tensor[], learningRate: number): void;
  /** State arrays (accumulators, moments; for Adam the last array holds [t]). */
  state(): Float32Array[];
  /** The tensors behind state(), so a device backend can read them back asynchronously first. */
  stateTensors(): tf.Tensor[];
  setState(state: Float32Array[]): void;
  dispose(): void;
}

/** @param weightDecay L2 coefficient added to every gradient as wd * w (default 0: none). */
export function createDenseOptimizer(kind: OptimizerKind, variables: readonly tf.Variable[], weightDecay = 0): DenseOptimizer {
  checkWeightDecay(weightDecay);
  const inner = denseRule(kind, variables);
  return weightDecay > 0 ? new DenseWeightDecay(inner, variables, weightDecay) : inner;
}

function denseRule(kind: OptimizerKind, variables: readonly tf.Variable[]): DenseOptimizer {
  if (kind === 'sgd') return new DenseSgd(variables);
  if (kind === 'adagrad') return new DenseAdagrad(variables);
  if (kind === 'adam') return new DenseAdam(variables);
  throw new Error(`unknown dense optimizer "${String(kind)}" (sgd, adagrad, adam)`);
}

function checkWeightDecay(weightDecay: number): void {
  if (!(weightDecay >= 0) || !Number.isFinite(weightDecay)) throw new Error(`weight decay must be a number >= 0, got ${weightDecay}`);
}

/** Any dense rule with g + wd w in place of g. */
class DenseWeightDecay implements DenseOptimizer {
  constructor(
    private readonly inner: DenseOptimizer,
    private readonly variables: readonly tf.Variable[],
    private readonly weightDecay: number,
  ) {}
  get kind(): OptimizerKind {
    return this.inner.kind;
  }
  apply(grads: readonly tf.Tensor[], learningRate: number): void {
    tf.tidy(() => {
      this.inner.apply(grads.map((g, i) => tf.add(g, tf.mul(this.variables[i], this.weightDecay))), learningRate);
    });
  }
  state(): Float32Array[] {
    return this.inner.state();
  }
  stateTensors(): tf.Tensor[] {
    return this.inner.stateTensors();
  }
  setState(state: Float32Array[]): void {
    this.inner.setState(state);
  }
  dispose(): void {
    this.inner.dispose();
  }
}

class DenseSgd implements DenseOptimizer {
  readonly kind = 'sgd' as const;
  constructor(private readonly variables: readonly tf.Variable[]) {}
  apply(grads: readonly tf.Tensor[], learningRate: number): void {
    tf.tidy(() => {
      const lr = tf.scalar(learningRate);
      this.variables.forEach((v, i) => v.assign(tf.sub(v, tf.mul(grads[i], lr))));
    });
  }
  state(): Float32Array[] {
    return [];
  }
  setState(state: Float32Array[]): void {
    if (state.length !== 0) throw new Error(`sgd has no state, got ${state.length} arrays`);
  }
  stateTensors(): tf.Tensor[] {
    return [];
  }
  dispose(): void {}
}

function zerosLike(variables: readonly tf.Variable[]): tf.Variable[] {
  // tidy frees the zeros tensor; the variable keeps (a reference to) its data.
  return variables.map((v) => tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
}

function readState(vars: readonly tf.Variable[]): Float32Array[] {
  return vars.map((v) => (v.dataSync() as Float32Array).slice());
}

function writeState(vars: readonly tf.Variable[], arrays: Float32Array[], what: string): void {
  if (arrays.length < vars.length) throw new Error(`${what}: expected ${vars.length} state arrays, got ${arrays.length}`);
  vars.forEach((v, i) => {
    if (arrays[i].length !== v.size) throw new Error(`${what}: state ${i} has ${arrays[i].length} values, expected ${v.size}`);
    tf.tidy(() => v.assign(tf.tensor(arrays[i], v.shape)));
  });
}

class DenseAdagrad implements DenseOptimizer {
  readonly kind = 'adagrad' as const;
  private readonly accumulators: tf.Variable[];
  constructor(private readonly variables: readonly tf.Variable[]) {
    this.accumulators = zerosLike(variables);
  }
  apply(grads: readonly tf.Tensor[], learningRate: number): void {
    tf.tidy(() => {
      const lr = tf.scalar(learningRate);
      const eps = tf.scalar(ADAGRAD_EPSILON);
      this.variables.forEach((v, i) => {
        const a = tf.add(this.accumulators[i], tf.square(grads[i]));
        this.accumulators[i].assign(a);
        v.assign(tf.sub(v, tf.div(tf.mul(grads[i], lr), tf.add(tf.sqrt(a), eps))));
      });
    });
  }
  state(): Float32Array[] {
    return readState(this.accumulators);
  }
  setState(state: Float32Array[]): void {
    writeState(this.accumulators, state, 'adagrad');
  }
  stateTensors(): tf.Tensor[] {
    return [...this.accumulators];
  }
  dispose(): void {
    tf.dispose(this.accumulators);
  }
}

class DenseAdam implements DenseOptimizer {
  readonly kind = 'adam' as const;
  private readonly firstMoments: tf.Variable[];
  private readonly secondMoments: tf.Variable[];
  private t = 0;
  constructor(private readonly variables: readonly tf.Variable[]) {
    this.firstMoments = zerosLike(variables);
    this.secondMoments = zerosLike(variables);
  }
  apply(grads: readonly tf.Tensor[], learningRate: number): void {
    this.t++;
    const correction1 = 1 - Math.pow(ADAM_BETA1, this.t);
    const correction2 = 1 - Math.pow(ADAM_BETA2, this.t);
    tf.tidy(() => {
      const b1 = tf.scalar(ADAM_BETA1);
      const b2 = tf.scalar(ADAM_BETA2);
      const oneMinusB1 = tf.scalar(1 - ADAM_BETA1);
      const oneMinusB2 = tf.scalar(1 - ADAM_BETA2);
      const stepSize = tf.scalar(learningRate / correction1);
      const sqrtCorrection2 = tf.scalar(Math.sqrt(correction2));
      const eps = tf.scalar(ADAM_EPSILON);
      this.variables.forEach((v, i) => {
        const g = grads[i];
        const m = tf.add(tf.mul(this.firstMoments[i], b1), tf.mul(g, oneMinusB1));
        const s = tf.add(tf.mul(this.secondMoments[i], b2), tf.mul(tf.square(g), oneMinusB2));
        this.firstMoments[i].assign(m);
        this.secondMoments[i].assign(s);
        const denominator = tf.add(tf.div(tf.sqrt(s), sqrtCorrection2), eps);
        v.assign(tf.sub(v, tf.mul(stepSize, tf.div(m, denominator))));
      });
    });
  }
  state(): Float32Array[] {
    return [...readState(this.firstMoments), ...readState(this.secondMoments), Float32Array.of(this.t)];
  }
  setState(state: Float32Array[]): void {
    const n = this.variables.length;
    if (state.length !== 2 * n + 1) throw new Error(`adam: expected ${2 * n + 1} state arrays, got ${state.length}`);
    writeState(this.firstMoments, state.slice(0, n), 'adam first moments');
    writeState(this.secondMoments, state.slice(n, 2 * n), 'adam second moments');
    this.t = state[2 * n][0];
  }
  stateTensors(): tf.Tensor[] {
    return [...this.firstMoments, ...this.secondMoments];
  }
  dispose(): void {
    tf.dispose([...this.firstMoments, ...this.secondMoments]);
  }
}

/** Optimizer of host embedding tables, row by row. */
export interface SparseOptimizer {
  readonly kind: OptimizerSpec['sparse'];
  /**
   * Updates the rows of table f that the gradient names (rows are distinct: duplicates already summed).
   * @param packed when true, `table` holds just the gradient's rows in its order ([U, width], e.g. rows
   *   decoded from half precision); the state is still indexed by gradient.rows.
   */
  apply(f: number, table: Float32Array, gradient: SparseRowGradient, learningRate: number, packed?: boolean): void;
  state(): Float32Array[];
  /** Copies the given state in. */
  setState(state: Float32Array[]): void;
  /**
   * Moves the state into shared memory (once) so another thread can update some of the tables.
   * @returns the state arrays, backed by SharedArrayBuffers.
   */
  shareState(): Float32Array[];
  /** Uses the given (shared) arrays as the state itself, not a copy: both threads then update one state. */
  adoptState(state: Float32Array[]): void;
}

/**
 * @param widths the width of every table, or one width for all (compressed tables differ in width).
 * @param weightDecay L2 coefficient added to each touched row's gradient as wd * row (default 0: none).
 */
export function createSparseOptimizer(kind: OptimizerSpec['sparse'], tableSizes: readonly number[], widths: number | readonly number[], weightDecay = 0): SparseOptimizer {
  checkWeightDecay(weightDecay);
  const perTable = typeof widths === 'number' ? tableSizes.map(() => widths) : widths;
  if (perTable.length !== tableSizes.length) throw new Error(`got ${perTable.length} table widths for ${tableSizes.length} tables`);
  const inner = sparseRule(kind, tableSizes, perTable);
  return weightDecay > 0 ? new SparseWeightDecay(inner, perTable, weightDecay) : inner;
}

function sparseRule(kind: OptimizerSpec['sparse'], tableSizes: readonly number[], widths: readonly number[]): SparseOptimizer {
  if (kind === 'sgd') return new SparseSgd(widths);
  if (kind === 'rowwise-adagrad') return new RowWiseAdagrad(tableSizes, widths);
  throw new Error(`unknown sparse optimizer "${String(kind)}" (sgd, rowwise-adagrad)`);
}

/** Any sparse rule with g[row] + wd row in place of g[row] (the gradient's values are changed in place). */
class SparseWeightDecay implements SparseOptimizer {
  constructor(
    private readonly inner: SparseOptimizer,
    private readonly widths: readonly number[],
    private readonly weightDecay: number,
  ) {}
  get kind(): OptimizerSpec['sparse'] {
    return this.inner.kind;
  }
  apply(f: number, table: Float32Array, gradient: SparseRowGradient, learningRate: number, packed = false): void {
    const D = this.widths[f];
    const { rows, values } = gradient;
    for (let u = 0; u < rows.length; u++) {
      const t = (packed ? u : rows[u]) * D;
      for (let d = 0; d < D; d++) values[u * D + d] += this.weightDecay * table[t + d];
    }
    this.inner.apply(f, table, gradient, learningRate, packed);
  }
  state(): Float32Array[] {
    return this.inner.state();
  }
  setState(state: Float32Array[]): void {
    this.inner.setState(state);
  }
  shareState(): Float32Array[] {
    return this.inner.shareState();
  }
  adoptState(state: Float32Array[]): void {
    this.inner.adoptState(state);
  }
}

class SparseSgd implements SparseOptimizer {
  readonly kind = 'sgd' as const;
  constructor(private readonly widths: readonly number[]) {}
  apply(f: number, table: Float32Array, gradient: SparseRowGradient, learningRate: number, packed = false): void {
    const D = this.widths[f];
    const { rows, values } = gradient;
    for (let u = 0; u < rows.length; u++) {
      const t = (packed ? u : rows[u]) * D;
      const g = u * D;
      for (let d = 0; d < D; d++) table[t + d] -= learningRate * values[g + d];
    }
  }
  state(): Float32Array[] {
    return [];
  }
  setState(state: Float32Array[]): void {
    if (state.length !== 0) throw new Error(`sparse sgd has no state, got ${state.length} arrays`);
  }
  shareState(): Float32Array[] {
    return [];
  }
  adoptState(state: Float32Array[]): void {
    this.setState(state);
  }
}

class RowWiseAdagrad implements SparseOptimizer {
  readonly kind = 'rowwise-adagrad' as const;
  private accumulators: Float32Array[];
  constructor(
    tableSizes: readonly number[],
    private readonly widths: readonly number[],
  ) {
    this.accumulators = tableSizes.map((rows) => new Float32Array(new SharedArrayBuffer(rows * 4)));
  }
  apply(f: number, table: Float32Array, gradient: SparseRowGradient, learningRate: number, packed = false): void {
    const D = this.widths[f];
    const acc = this.accumulators[f];
    const { rows, values } = gradient;
    for (let u = 0; u < rows.length; u++) {
      const row = rows[u];
      const g = u * D;
      let sumSquares = 0;
      for (let d = 0; d < D; d++) sumSquares += values[g + d] * values[g + d];
      acc[row] += sumSquares / D;
      const scale = learningRate / (Math.sqrt(acc[row]) + ADAGRAD_EPSILON);
      const t = (packed ? u : row) * D;
      for (let d = 0; d < D; d++) table[t + d] -= scale * values[g + d];
    }
  }
  state(): Float32Array[] {
    return this.accumulators;
  }
  setState(state: Float32Array[]): void {
    this.checkState(state);
    this.accumulators = state.map((s) => s.slice());
  }
  shareState(): Float32Array[] {
    this.accumulators = this.accumulators.map(toShared);
    return this.accumulators;
  }
  adoptState(state: Float32Array[]): void {
    this.checkState(state);
    this.accumulators = [...state];
  }
  private checkState(state: Float32Array[]): void {
    if (state.length !== this.accumulators.length) throw new Error(`row-wise adagrad: expected ${this.accumulators.length} tables of state, got ${state.length}`);
    state.forEach((s, f) => {
      if (s.length !== this.accumulators[f].length) throw new Error(`row-wise adagrad: table ${f} state has ${s.length} rows, expected ${this.accumulators[f].length}`);
    });
  }
}
