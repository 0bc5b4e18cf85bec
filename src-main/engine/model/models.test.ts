import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelKind, ModelSpec } from '../../domain';
import { randomBatch } from '../train/testing';
import { maxRelativeError, numericGradients } from './gradcheck.testutil';
import { binaryCrossEntropyWithLogits } from './loss';
import { checkModelSpec } from './model-spec';
import { asExplainable, createModel, modelFromWeights } from './models';
import { Rng } from '../random/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Small specs of every kind over I = 3 dense and F = 3 categorical features with 4-row tables. */
const specs: Record<ModelKind, ModelSpec> = {
  dlrm: { kind: 'dlrm', embeddingDim: 2, bottomMlp: '3-4-2', topMlp: '3-1', interaction: 'dot', hashSize: 4 },
  dcn: { kind: 'dcn', embeddingDim: 2, bottomMlp: '', topMlp: '4', interaction: 'dot', hashSize: 4, crossLayers: 2 },
  fm: { kind: 'fm', embeddingDim: 2, bottomMlp: '', topMlp: '', interaction: 'dot', hashSize: 4 },
  mf: { kind: 'mf', embeddingDim: 2, bottomMlp: '', topMlp: '', interaction: 'dot', hashSize: 4 },
  lr: { kind: 'lr', embeddingDim: 1, bottomMlp: '', topMlp: '', interaction: 'dot', hashSize: 4 },
};
const tableSizes = [4, 4, 4];
const kinds = Object.keys(specs) as ModelKind[];

describe.each(kinds)('%s through the common interface', (kind) => {
  it('loss gradient w.r.t. the pooled rows and every dense variable matches finite differences', () => {
    const model = createModel(specs[kind], tableSizes, 5, { numDense: 3 });
    expect(model.kind).toBe(kind);
    const batch = randomBatch(new Rng(9), { batchSize: 4, numDense: 3, tableSizes, bagSize: [1, 2] });
    const pooled = model.pool(batch);
    const T = model.embeddings.numFeatures;
    const W = model.embeddings.dim;
    const variables = model.variables();
    const weights = variables.map((v) => (v.dataSync() as Float32Array).slice());
    const lossOf = (inputs: Float32Array[]) =>
      tf.tidy(() => {
        const ws = inputs.slice(1).map((w, k) => tf.tensor(w, variables[k].shape));
        const logits = model.logits(tf.tensor2d(batch.dense, [4, 3]), tf.tensor3d(inputs[0], [4, T, W]), ws);
        return binaryCrossEntropyWithLogits(logits, tf.tensor2d(batch.labels, [4, 1])).dataSync()[0];
      });
    const analytic = tf.tidy(() => {
      const g = tf.grads((...args: tf.Tensor[]) =>
        binaryCrossEntropyWithLogits(model.logits(tf.tensor2d(batch.dense, [4, 3]), args[0] as tf.Tensor3D, args.slice(1)), tf.tensor2d(batch.labels, [4, 1])),
      );
      return g([tf.tensor3d(pooled, [4, T, W]), ...variables]).map((t) => Array.from(t.dataSync()));
    });
    const numeric = numericGradients(lossOf, [pooled, ...weights], 1e-3);
    analytic.forEach((a, k) => expect(maxRelativeError(a, numeric[k])).toBeLessThan(2e-2));
    model.dispose();
  });

  it('weights round-trip to the same logits; building, predicting and disposing leak no tensors', () => {
    const model = createModel(specs[kind], tableSizes, 7, { numDense: 3 });
    const batch = randomBatch(new Rng(2), { batchSize: 5, numDense: 3, tableSizes });
    const before = tf.memory().numTensors;
    const logits = model.batchLogits(batch);
    model.predict(batch);
    expect(tf.memory().numTensors).toBe(before);
    const copy = modelFromWeights(specs[kind], tableSizes, model.weights(), { numDense: 3 });
    expect(copy.kind).toBe(kind);
    expect(copy.paramCount).toBe(model.paramCount);
    expect(Array.from(copy.batchLogits(batch))).toEqual(Array.from(logits));
    expect(asExplainable(model) !== null).toBe(kind === 'dlrm');
    // the copy's variables come and go with it (nothing of its construction stays behind)
    copy.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before - model.variables().length);
  });
});

describe('parameter counts of the presets-sized models', () => {
  it('a model built for 13 dense and 26 features of hashSize rows has checkModelSpec().paramCount parameters', () => {
    const F = 26;
    const sizes = Array.from({ length: F }, () => 3);
    for (const kind of kinds) {
      const spec: ModelSpec = { ...specs[kind], hashSize: 3, ...(kind === 'dlrm' ? { bottomMlp: '13-2' } : {}) };
      const model = createModel(spec, sizes, 1);
      expect(model.paramCount).toBe(checkModelSpec(spec).paramCount);
      model.dispose();
    }
  });
});
