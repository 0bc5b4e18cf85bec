/**
 * DLRM's rivals through the trainer: no leaked tensors, exact resume, model files that rebuild the
 * right class, and the comparison on planted pairwise interactions.
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelKind, ModelSpec, OptimizerSpec } from '../../domain';
import { initBackend, type BackendInfo } from '../backend';
import { DeepCrossNetwork } from '../model/dcn';
import { FactorizationMachine } from '../model/fm';
import { LogisticRegression } from '../model/logistic';
import { MatrixFactorization } from '../model/mf';
import { Rng } from '../random/rng';
import { splitBatchSource } from '../data/batch-source';
import { latestCheckpoint } from './checkpoint';
import { comparisonTable, compareModels, type ComparedModel } from './compare';
import { auc } from './metrics';
import { loadModel, predictBatches, saveModel } from './model-file';
import { runTraining, type TrainEvent } from './run-training';
import { plantedInteractionSplit, plantedSplit, randomBatch } from './testing';
import { ModelTrainer, type TrainJob } from './trainer';

let cpu: BackendInfo;
let tmp: string;
beforeAll(async () => {
  cpu = await initBackend('cpu');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dlrm-rivals-test-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const tableSizes = [40, 30, 20, 10];
const rivals: Record<Exclude<ModelKind, 'dlrm'>, ModelSpec> = {
  lr: { kind: 'lr', embeddingDim: 1, bottomMlp: '', topMlp: '', interaction: 'dot', hashSize: 40 },
  fm: { kind: 'fm', embeddingDim: 4, bottomMlp: '', topMlp: '', interaction: 'dot', hashSize: 40 },
  mf: { kind: 'mf', embeddingDim: 4, bottomMlp: '', topMlp: '', interaction: 'dot', hashSize: 40 },
  dcn: { kind: 'dcn', embeddingDim: 4, bottomMlp: '', topMlp: '8', interaction: 'dot', hashSize: 40, crossLayers: 2 },
};
const classes = { lr: LogisticRegression, fm: FactorizationMachine, mf: MatrixFactorization, dcn: DeepCrossNetwork };
const kinds = Object.keys(rivals) as (keyof typeof rivals)[];

function jobOf(model: ModelSpec, epochs = 2): TrainJob {
  return {
    model,
    optimizer: { dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.01, warmupSteps: 3, decay: 'cosine' },
    train: { batchSize: 32, epochs, evalEvery: 0, seed: 7, maxBadRowShare: 0.1, checkpointEvery: 0 },
    tableSizes,
  };
}

async function run(job: TrainJob, extra: Partial<Parameters<typeof runTraining>[2]> = {}) {
  const events: TrainEvent[] = [];
  const data = { train: splitBatchSource(plantedSplit(300, tableSizes, 1)), test: splitBatchSource(plantedSplit(200, tableSizes, 3)) };
  const result = await runTraining(job, data, { onEvent: (e) => events.push(e), backend: cpu, progressIntervalMs: 0, keepModel: true, ...extra });
  const losses = events.flatMap((e) => (e.type === 'progress' ? [e.loss] : []));
  const weights = result.model ? result.model.weights() : null;
  result.model?.dispose();
  return { result, losses, weights };
}

describe.each(kinds)('%s in the trainer', (kind) => {
  it('does not leak tensors over 30 steps and evaluation', () => {
    const trainer = new ModelTrainer(jobOf(rivals[kind]));
    expect(trainer.model).toBeInstanceOf(classes[kind]);
    const rng = new Rng(3);
    const batches = Array.from({ length: 5 }, () => randomBatch(rng, { batchSize: 16, numDense: 13, tableSizes, bagSize: [0, 3] }));
    trainer.step(batches[0], 0.01);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 30; i++) trainer.step(batches[i % 5], 0.01);
    trainer.evaluate(splitBatchSource(plantedSplit(50, tableSizes, 4)), 16);
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
  });

  it('N steps + checkpoint + resume equals the uninterrupted run', async () => {
    const job = jobOf(rivals[kind]);
    const full = await run(job);
    const dir = path.join(tmp, `resume-${kind}`);
    const first = await run(job, { checkpointDir: dir, stopAfterStep: 7 });
    expect(first.result.status).toBe('cancelled');
    const second = await run(job, { resumeFrom: latestCheckpoint(dir) as string });
    expect(second.result.status).toBe('finished');
    expect([...first.losses, ...second.losses]).toEqual(full.losses);
    expect(second.weights).toEqual(full.weights);
  });

  it('saves a model file that loads as the same class with identical predictions', () => {
    const job = jobOf(rivals[kind]);
    const trainer = new ModelTrainer(job);
    const rng = new Rng(5);
    for (let i = 0; i < 3; i++) trainer.step(randomBatch(rng, { batchSize: 16, numDense: 13, tableSizes }), 0.05);
    const file = path.join(tmp, `model-${kind}.bin`);
    saveModel(file, trainer.model, { model: job.model, preprocessing: null, trainedSteps: 3 });
    const batches = [randomBatch(rng, { batchSize: 20, numDense: 13, tableSizes, bagSize: [1, 2] })];
    const loaded = loadModel(file);
    expect(loaded.meta.kind).toBe(kind);
    expect(loaded.meta.tableSizes).toEqual(tableSizes);
    expect(loaded.model).toBeInstanceOf(classes[kind]);
    expect(Array.from(predictBatches(loaded.model, batches))).toEqual(Array.from(predictBatches(trainer.model, batches)));
    expect(() => saveModel(file, trainer.model, { model: { ...job.model, kind: 'dlrm' }, preprocessing: null, trainedSteps: 3 })).toThrow(/is a "dlrm" model but the model is/);
    loaded.model.dispose();
    trainer.dispose();
  });
});

describe('the sparse learning rate', () => {
  it('scales the table updates only', () => {
    const job = jobOf(rivals.lr);
    const batch = randomBatch(new Rng(1), { batchSize: 8, numDense: 13, tableSizes });
    const tableStep = (optimizer: OptimizerSpec) => {
      const trainer = new ModelTrainer({ ...job, optimizer: { ...optimizer, dense: 'sgd', sparse: 'sgd' } });
      const before = trainer.model.weights();
      trainer.step(batch, optimizer.learningRate);
      const after = trainer.model.weights();
      trainer.dispose();
      return { table: after.tables[0].map((v, i) => v - before.tables[0][i]), dense: after.dense[0].map((v, i) => v - before.dense[0][i]) };
    };
    const plain = tableStep(job.optimizer);
    const scaled = tableStep({ ...job.optimizer, sparseLearningRate: 0.03 });
    // sgd on a zero-initialised logistic regression: same gradients, the table step 3x larger
    scaled.table.forEach((d, i) => expect(d).toBeCloseTo(3 * plain.table[i], 6));
    expect(Array.from(scaled.dense)).toEqual(Array.from(plain.dense));
    expect(plain.table.some((d) => d !== 0)).toBe(true);
  });
});

describe('comparison on planted pairwise interactions', () => {
  it('FM, DCN and DLRM beat logistic regression on test AUC by more than 0.05', async () => {
    // 4 fields of 20 values; labels from <z_a, z_b> of two planted field pairs plus one small dense
    // effect (see plantedInteractionSplit): a value alone carries almost no signal, so LR is left with
    // the dense effect. Dense features standardised (with raw log-scaled ones DCN did not learn: AUC
    // 0.53-0.58, see the report). Measured with this config, seeds 1..4 of the data and the models:
    //   LR 0.573-0.596, DCN 0.681-0.689, FM 0.737-0.745, DLRM 0.759-0.788, MF 0.717-0.746; Bayes 0.80-0.81
    // so the smallest margin over LR was 0.085 (DCN); 0.05 leaves room for float noise and seeds.
    const fields = [20, 20, 20, 20];
    const options = { dense: 'standard' as const };
    const test = plantedInteractionSplit(2000, fields, 101, options);
    const bayes = auc(test.trueProbability as Float32Array, test.labels) as number;
    const models: ComparedModel[] = [
      { name: 'lr', spec: { ...rivals.lr, hashSize: 20 } },
      { name: 'fm', spec: { ...rivals.fm, hashSize: 20 } },
      { name: 'dcn', spec: { ...rivals.dcn, topMlp: '16', hashSize: 20 } },
      { name: 'dlrm', spec: { kind: 'dlrm', embeddingDim: 4, bottomMlp: '13-8-4', topMlp: '8-1', interaction: 'dot', hashSize: 20 } },
    ];
    const optimizer: OptimizerSpec = { dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.01, sparseLearningRate: 0.2, warmupSteps: 0, decay: 'none' };
    const rows = await compareModels(
      models,
      { train: splitBatchSource(plantedInteractionSplit(6000, fields, 1, options)), test: splitBatchSource(test) },
      { batchSize: 64, epochs: 4, seed: 1, tableSizes: fields, backend: cpu, optimizer },
    );
    const aucOf = (name: string) => rows.find((r) => r.name === name)?.test?.auc ?? 0;
    for (const r of rows) expect(r.status).toBe('finished');
    for (const name of ['fm', 'dcn', 'dlrm']) expect(aucOf(name) - aucOf('lr')).toBeGreaterThan(0.05);
    for (const r of rows) expect(r.test?.auc ?? 1).toBeLessThan(bayes + 0.02);
    expect(rows.every((r) => r.samplesPerSec > 0 && r.paramCount > 0)).toBe(true);
    const table = comparisonTable(rows);
    expect(table.split('\n')).toHaveLength(2 + models.length);
    expect(table).toMatch(/^\| model \| kind \| test AUC/);
  });
});
