import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Batch } from '../data/types';
import { crossNetwork, crossNetworkBackward, crossNetworkForward, crossNetworkStock, DeepCrossNetwork } from './dcn';
import { maxRelativeError, numericGradients } from './gradcheck.testutil';
import { modelArchitectureOf, type DcnArchitecture } from './model-spec';
import { Rng } from '../random/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const dcnArch = (crossLayers: number, topMlp: string, numDense: number, numFeatures: number, embeddingDim: number): DcnArchitecture => {
  const arch = modelArchitectureOf({ kind: 'dcn', embeddingDim, bottomMlp: '', topMlp, interaction: 'dot', hashSize: 4, crossLayers }, { numDense, numFeatures });
  if (arch.kind !== 'dcn') throw new Error('expected a DCN');
  return arch;
};

describe('cross network', () => {
  it('forward on a hand-computed example, one layer, no deep network', () => {
    // I = 1, F = 1, D = 1: x0 = (x, e), w = (1, 2), b = (0.5, -0.5), output layer (1, 1), bias 0
    // row a: x = 1, e = 0.5: s = 1 + 1 = 2, x1 = x0 * 2 + b + x0 = (3.5, 1.0), logit 4.5
    // row b: x = 2, bag [0, 1] -> e = 0.5 - 1.5 = -1: s = 2 - 2 = 0, x1 = (2.5, -1.5), logit 1.0
    const model = DeepCrossNetwork.fromWeights(dcnArch(1, '', 1, 1, 1), [2], {
      tables: [Float32Array.of(0.5, -1.5)],
      dense: [Float32Array.of(1, 2), Float32Array.of(0.5, -0.5), Float32Array.of(1, 1), Float32Array.of(0)],
    });
    const batch: Batch = {
      size: 2,
      dense: Float32Array.of(1, 2),
      sparse: { numFeatures: 1, batchSize: 2, values: Int32Array.of(0, 0, 1), offsets: Int32Array.of(0, 1, 3) },
      labels: Float32Array.of(1, 0),
    };
    const logits = model.batchLogits(batch);
    expect(logits[0]).toBeCloseTo(4.5, 5);
    expect(logits[1]).toBeCloseTo(1.0, 5);
    // parameters: table 2, cross 2 + 2, output 2 + 1
    expect(model.paramCount).toBe(9);
    const weights = model.crossLayerWeights();
    expect(weights.inputLabels).toEqual(['I1', 'C1[0]']);
    expect(weights.layers).toEqual([{ weight: [1, 2], bias: [0.5, -0.5] }]);
    expect(weights.segmentWeightNorms).toEqual([[1, 2]]);
    model.dispose();
  });

  it('backward matches finite differences (three layers)', () => {
    const rng = new Rng(3);
    const B = 3;
    const L = 3;
    const d0 = 5;
    const x0 = Float32Array.from({ length: B * d0 }, () => rng.normal());
    const w = Float32Array.from({ length: L * d0 }, () => rng.normal(0, 0.5));
    const b = Float32Array.from({ length: L * d0 }, () => rng.normal(0, 0.5));
    const upstream = Float32Array.from({ length: B * d0 }, () => rng.normal());
    const f = (inputs: Float32Array[]) => crossNetworkForward(inputs[0], inputs[1], inputs[2], B, L, d0).output.reduce((s, v, i) => s + v * upstream[i], 0);
    const numeric = numericGradients(f, [x0, w, b], 1e-3);
    const forward = crossNetworkForward(x0, w, b, B, L, d0);
    const analytic = crossNetworkBackward(x0, w, forward.layerInputs, forward.dots, upstream, B, L, d0);
    expect(maxRelativeError(analytic.x0, numeric[0])).toBeLessThan(1e-2);
    expect(maxRelativeError(analytic.weights, numeric[1])).toBeLessThan(1e-2);
    expect(maxRelativeError(analytic.biases, numeric[2])).toBeLessThan(1e-2);
  });

  it('the custom-gradient op agrees with the stock-op version, values and gradients', () => {
    const rng = new Rng(5);
    const B = 4;
    const L = 2;
    const d0 = 6;
    const x0 = tf.tensor2d(Float32Array.from({ length: B * d0 }, () => rng.normal()), [B, d0]);
    const w = tf.tensor2d(Float32Array.from({ length: L * d0 }, () => rng.normal(0, 0.5)), [L, d0]);
    const b = tf.tensor2d(Float32Array.from({ length: L * d0 }, () => rng.normal(0, 0.5)), [L, d0]);
    const upstream = tf.tensor2d(Float32Array.from({ length: B * d0 }, () => rng.normal()), [B, d0]);
    const before = tf.memory().numTensors;
    const run = (op: typeof crossNetwork) =>
      tf.tidy(() => {
        const value = Array.from(op(x0, w, b).dataSync());
        const grads = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(op(a as tf.Tensor2D, c as tf.Tensor2D, d as tf.Tensor2D), upstream)))([x0, w, b]);
        return { value, grads: grads.map((g) => Array.from(g.dataSync())) };
      });
    const custom = run(crossNetwork);
    const stock = run(crossNetworkStock);
    expect(tf.memory().numTensors).toBe(before);
    expect(maxRelativeError(custom.value, stock.value)).toBeLessThan(1e-5);
    custom.grads.forEach((g, k) => expect(maxRelativeError(g, stock.grads[k])).toBeLessThan(1e-5));
    tf.dispose([x0, w, b, upstream]);
  });

  it('zero cross layers pass x0 through', () => {
    const out = crossNetworkForward(Float32Array.of(1, 2), new Float32Array(0), new Float32Array(0), 1, 0, 2);
    expect(Array.from(out.output)).toEqual([1, 2]);
  });

  it('init is deterministic for a seed; variables: cross, deep, output', () => {
    const arch = dcnArch(2, '6-3', 2, 3, 2);
    const a = DeepCrossNetwork.create(arch, [4, 4, 4], 9);
    const b = DeepCrossNetwork.create(arch, [4, 4, 4], 9);
    expect(a.weights()).toEqual(b.weights());
    // d0 = 2 + 3 * 2 = 8: cross [2, 8] x 2, deep 8-6-3, output (8 + 3) -> 1
    expect(a.variables().map((v) => v.shape)).toEqual([[2, 8], [2, 8], [8, 6], [6], [6, 3], [3], [11, 1], [1]]);
    expect(Array.from(a.weights().dense[1])).toEqual(new Array(16).fill(0));
    a.dispose();
    b.dispose();
  });
});
