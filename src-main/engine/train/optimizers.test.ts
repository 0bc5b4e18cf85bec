import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDenseOptimizer, createSparseOptimizer } from './optimizers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Runs 5 steps of f(w) = sum((w - target)^2 * scale) with a hand-written and a tfjs optimizer. */
function compare(kind: 'sgd' | 'adam', reference: tf.Optimizer, lr: number): [number[], number[]] {
  const target = tf.tensor1d([1, -2, 3]);
  const scale = tf.tensor1d([1, 10, 0.1]);
  const lossOf = (w: tf.Tensor) => tf.sum(tf.mul(tf.square(tf.sub(w, target)), scale)) as tf.Scalar;
  const mine = tf.variable(tf.tensor1d([0.5, 0.5, 0.5]));
  const theirs = tf.variable(tf.tensor1d([0.5, 0.5, 0.5]));
  const opt = createDenseOptimizer(kind, [mine]);
  for (let i = 0; i < 5; i++) {
    tf.tidy(() => {
      const g = tf.grad(lossOf)(mine);
      opt.apply([g], lr);
    });
    reference.minimize(() => lossOf(theirs), false, [theirs]);
  }
  const out: [number[], number[]] = [Array.from(mine.dataSync()), Array.from(theirs.dataSync())];
  tf.dispose([target, scale, mine, theirs]);
  opt.dispose();
  reference.dispose();
  return out;
}

describe('dense optimizers agree with tfjs optimizers', () => {
  it('sgd', () => {
    const [a, b] = compare('sgd', tf.train.sgd(0.01), 0.01);
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 6));
  });
  it('adam (tfjs with the same epsilon)', () => {
    const [a, b] = compare('adam', tf.train.adam(0.1, 0.9, 0.999, 1e-8), 0.1);
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 5));
  });
  it('adagrad by hand: a = g^2, w -= lr g / sqrt(a) = lr sign(g) on the first step', () => {
    const w = tf.variable(tf.tensor1d([1, -1, 0.5]));
    const opt = createDenseOptimizer('adagrad', [w]);
    tf.tidy(() => opt.apply([tf.tensor1d([2, -0.5, 0])], 0.1));
    // 1 - 0.1, -1 + 0.1, 0.5 - 0 (zero gradient: 0 / (0 + eps) = 0)
    expect(Array.from(w.dataSync()).map((v) => +v.toFixed(6))).toEqual([0.9, -0.9, 0.5]);
    const state = opt.state();
    expect(Array.from(state[0])).toEqual([4, 0.25, 0]);
    opt.dispose();
    w.dispose();
  });
  it('adam state round-trips', () => {
    const w = tf.variable(tf.tensor1d([1, 2]));
    const opt = createDenseOptimizer('adam', [w]);
    tf.tidy(() => opt.apply([tf.tensor1d([0.1, -0.2])], 0.1));
    const state = opt.state();
    const w2 = tf.variable(tf.tensor1d([1, 2]));
    const opt2 = createDenseOptimizer('adam', [w2]);
    opt2.setState(state);
    expect(opt2.state().map((a) => Array.from(a))).toEqual(state.map((a) => Array.from(a)));
    expect(state[2][0]).toBe(1);
    tf.dispose([w, w2]);
    opt.dispose();
    opt2.dispose();
  });
});

describe('sparse optimizers', () => {
  it('row-wise adagrad: one accumulator per row, mean of squares over D', () => {
    const table = Float32Array.of(1, 1, 2, 2, 3, 3); // 3 rows, D = 2
    const opt = createSparseOptimizer('rowwise-adagrad', [3], 2);
    // row 2 gradient (3, 4): acc = (9 + 16) / 2 = 12.5; step = lr / sqrt(12.5) * g
    opt.apply(0, table, { rows: Int32Array.of(2), values: Float32Array.of(3, 4) }, 0.5);
    const s = 0.5 / Math.sqrt(12.5);
    expect(table[4]).toBeCloseTo(3 - 3 * s, 6);
    expect(table[5]).toBeCloseTo(3 - 4 * s, 6);
    expect(Array.from(opt.state()[0])).toEqual([0, 0, 12.5]);
    expect(Array.from(table.subarray(0, 4))).toEqual([1, 1, 2, 2]);
  });
  it('sgd subtracts lr * g from the named rows only', () => {
    const table = Float32Array.of(1, 1, 2, 2);
    createSparseOptimizer('sgd', [2], 2).apply(0, table, { rows: Int32Array.of(1), values: Float32Array.of(1, -1) }, 0.5);
    expect(Array.from(table)).toEqual([1, 1, 1.5, 2.5]);
  });
});

describe('weight decay', () => {
  it('dense: sgd and adam see g + wd w (as PyTorch weight_decay)', () => {
    for (const kind of ['sgd', 'adam'] as const) {
      const a = tf.variable(tf.tensor1d([1, -2, 3]));
      const b = tf.variable(tf.tensor1d([1, -2, 3]));
      const decayed = createDenseOptimizer(kind, [a], 0.1);
      const plain = createDenseOptimizer(kind, [b]);
      tf.tidy(() => {
        decayed.apply([tf.tensor1d([0.5, 0.5, 0.5])], 0.01);
        // the same step without decay, given g + 0.1 w by hand
        plain.apply([tf.tensor1d([0.5 + 0.1, 0.5 - 0.2, 0.5 + 0.3])], 0.01);
      });
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
      expect(decayed.kind).toBe(kind);
      expect(decayed.state().length).toBe(plain.state().length);
      tf.dispose([a, b]);
      decayed.dispose();
      plain.dispose();
    }
    expect(() => createDenseOptimizer('sgd', [], -1)).toThrow(/weight decay/);
  });

  it('sparse: only the touched rows decay', () => {
    const table = Float32Array.of(1, 1, 2, 2, 3, 3); // 3 rows, D = 2
    createSparseOptimizer('sgd', [3], 2, 0.5).apply(0, table, { rows: Int32Array.of(2), values: Float32Array.of(1, -1) }, 0.1);
    // row 2: g + 0.5 * (3, 3) = (2.5, 0.5); minus 0.1 of that
    expect(table[4]).toBeCloseTo(3 - 0.25, 6);
    expect(table[5]).toBeCloseTo(3 - 0.05, 6);
    expect(Array.from(table.subarray(0, 4))).toEqual([1, 1, 2, 2]);
    const adagrad = createSparseOptimizer('rowwise-adagrad', [3], 2, 0.5);
    expect(adagrad.kind).toBe('rowwise-adagrad');
    expect(adagrad.state()).toHaveLength(1);
  });
});
