import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, type BackendInfo } from '../backend';
import { Rng } from '../random/rng';
import { splitBatchSource } from '../data/batch-source';
import { latestCheckpoint } from './checkpoint';
import { auc } from './metrics';
import { loadModel, predictBatches, saveModel } from './model-file';
import { runTraining, type TrainEvent } from './run-training';
import { plantedSplit, randomBatch } from './testing';
import { DlrmTrainer, type TrainJob } from './trainer';

let cpu: BackendInfo;
let tmp: string;
beforeAll(async () => {
  cpu = await initBackend('cpu');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dlrm-train-test-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const tableSizes = [40, 30, 20, 10];
function smallJob(overrides: Partial<TrainJob['optimizer']> = {}, epochs = 2): TrainJob {
  return {
    model: { kind: 'dlrm', embeddingDim: 4, bottomMlp: '13-8-4', topMlp: '8-1', interaction: 'dot', hashSize: 40 },
    optimizer: { dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.05, warmupSteps: 3, decay: 'cosine', ...overrides },
    train: { batchSize: 32, epochs, evalEvery: 5, seed: 7, maxBadRowShare: 0.1, checkpointEvery: 0 },
    tableSizes,
  };
}
const data = () => ({
  train: splitBatchSource(plantedSplit(400, tableSizes, 1)),
  valid: splitBatchSource(plantedSplit(200, tableSizes, 2)),
  test: splitBatchSource(plantedSplit(300, tableSizes, 3)),
});

async function run(job: TrainJob, extra: Partial<Parameters<typeof runTraining>[2]> = {}) {
  const events: TrainEvent[] = [];
  const result = await runTraining(job, data(), { onEvent: (e) => events.push(e), backend: cpu, progressIntervalMs: 0, keepModel: true, ...extra });
  const losses = events.flatMap((e) => (e.type === 'progress' ? [e.loss] : []));
  const weights = result.model ? result.model.weights() : null;
  result.model?.dispose();
  return { result, events, losses, weights };
}

describe('trainer', () => {
  it('does not leak tensors over 50 steps', () => {
    const job = smallJob();
    const trainer = new DlrmTrainer(job);
    const rng = new Rng(3);
    const batches = Array.from({ length: 5 }, () => randomBatch(rng, { batchSize: 16, numDense: 13, tableSizes, bagSize: [0, 3] }));
    trainer.step(batches[0], 0.01);
    trainer.step(batches[1], 0.01);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) trainer.step(batches[i % 5], 0.01);
    trainer.evaluate(splitBatchSource(plantedSplit(50, tableSizes, 4)), 16);
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
  });

  it('trains on one thread, and says why, when the second thread cannot start', async () => {
    const { result, events } = await run(smallJob({}, 1), { parallelWorkerScript: '/nonexistent/train-worker.js' });
    expect(result.status).toBe('finished');
    const started = events.find((e) => e.type === 'started');
    expect(started?.type === 'started' && started.detail).toMatch(/one thread \(the second did not start: .+\)/);
  });

  it('learns the planted signal and reports every event kind', async () => {
    const testSplit = plantedSplit(2000, tableSizes, 3);
    const bayes = auc(testSplit.trueProbability as Float32Array, testSplit.labels);
    const events: TrainEvent[] = [];
    const result = await runTraining(
      smallJob({}, 3),
      { train: splitBatchSource(plantedSplit(4000, tableSizes, 1)), valid: splitBatchSource(plantedSplit(500, tableSizes, 2)), test: splitBatchSource(testSplit) },
      { onEvent: (e) => events.push(e), backend: cpu, progressIntervalMs: 0 },
    );
    expect(result.status).toBe('finished');
    expect(result.step).toBe(3 * Math.ceil(4000 / 32));
    expect(events[0].type).toBe('started');
    expect(events.some((e) => e.type === 'eval' && e.split === 'valid')).toBe(true);
    const finished = events[events.length - 1];
    expect(finished.type).toBe('finished');
    // planted logistic model (Bayes-optimal test AUC 0.744 here): 3 short epochs get at least half way
    // from chance to it (measured 0.645), and never above it by more than noise
    expect(bayes).toBeGreaterThan(0.7);
    expect(result.test?.auc ?? 0).toBeGreaterThan(0.5 + 0.5 * ((bayes as number) - 0.5));
    expect(result.test?.auc ?? 1).toBeLessThan((bayes as number) + 0.02);
  });

  it('same seed gives the same losses and weights', async () => {
    const a = await run(smallJob());
    const b = await run(smallJob());
    expect(a.losses.length).toBe(26);
    expect(a.losses).toEqual(b.losses);
    expect(a.weights).toEqual(b.weights);
    const c = await run({ ...smallJob(), train: { ...smallJob().train, seed: 8 } });
    expect(c.losses).not.toEqual(a.losses);
  });

  it('N steps + checkpoint + resume N steps equals 2N steps uninterrupted', async () => {
    for (const optimizer of [{ dense: 'adam', sparse: 'rowwise-adagrad' }, { dense: 'adagrad', sparse: 'sgd' }] as const) {
      const job = smallJob(optimizer);
      const full = await run(job);
      const dir = path.join(tmp, `resume-${optimizer.dense}`);
      const first = await run(job, { checkpointDir: dir, stopAfterStep: 11 }); // stops mid-epoch (13 batches per epoch)
      expect(first.result.status).toBe('cancelled');
      const checkpoint = latestCheckpoint(dir);
      expect(checkpoint).toMatch(/checkpoint-0000000011\.ckpt$/);
      const second = await run(job, { resumeFrom: checkpoint as string });
      expect(second.result.status).toBe('finished');
      expect([...first.losses, ...second.losses]).toEqual(full.losses);
      expect(second.weights).toEqual(full.weights);
      expect({ ...second.result.test, samplesPerSec: 0 }).toEqual({ ...full.result.test, samplesPerSec: 0 });
    }
  });

  it('refuses to resume a different job, and reports a bad learning rate as failed', async () => {
    const dir = path.join(tmp, 'mismatch');
    await run(smallJob(), { checkpointDir: dir, stopAfterStep: 2 });
    const other = { ...smallJob(), train: { ...smallJob().train, batchSize: 16 } };
    const r = await run(other, { resumeFrom: latestCheckpoint(dir) as string });
    expect(r.result.status).toBe('failed');
    expect(r.result.error).toMatch(/batch size 16 differs from the checkpoint's 32/);
    const diverged = await run(smallJob({ learningRate: 1e30, dense: 'sgd', sparse: 'sgd', warmupSteps: 0 }));
    expect(diverged.result.status).toBe('failed');
    expect(diverged.result.error).toMatch(/loss became/);
  });

  it('cancels through an AbortSignal', async () => {
    const controller = new AbortController();
    const events: TrainEvent[] = [];
    const result = await runTraining(smallJob(), data(), {
      backend: cpu,
      progressIntervalMs: 0,
      signal: controller.signal,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'progress' && e.step === 3) controller.abort();
      },
    });
    expect(result.status).toBe('cancelled');
    expect(result.step).toBe(3);
    expect(events[events.length - 1]).toEqual({ type: 'cancelled', step: 3 });
  });

  it('saves and loads a model with identical predictions', async () => {
    const job = smallJob();
    const trainer = new DlrmTrainer(job);
    const rng = new Rng(5);
    for (let i = 0; i < 5; i++) trainer.step(randomBatch(rng, { batchSize: 16, numDense: 13, tableSizes }), 0.05);
    const file = path.join(tmp, 'model.dlrm');
    saveModel(file, trainer.model, { model: job.model, preprocessing: { hashing: 'modulo', rows: 40 }, trainedSteps: 5 });
    const batches = [randomBatch(rng, { batchSize: 20, numDense: 13, tableSizes, bagSize: [1, 2] })];
    const expected = predictBatches(trainer.model, batches);
    const loaded = loadModel(file);
    expect(loaded.meta.preprocessing).toEqual({ hashing: 'modulo', rows: 40 });
    expect(loaded.meta.tableSizes).toEqual(tableSizes);
    expect(Array.from(predictBatches(loaded.model, batches))).toEqual(Array.from(expected));
    loaded.model.dispose();
    trainer.dispose();
    fs.writeFileSync(path.join(tmp, 'junk.dlrm'), 'hello');
    expect(() => loadModel(path.join(tmp, 'junk.dlrm'))).toThrow(/is not a DLRM Studio dlrm-studio-model file/);
  });
});

describe('wasm backend', () => {
  it('trains the same steps as cpu (to float32 rounding)', async () => {
    const job = smallJob({ dense: 'sgd', sparse: 'sgd', warmupSteps: 0, decay: 'none' });
    const losses = async (backend: 'cpu' | 'wasm') => {
      await initBackend(backend);
      const trainer = new DlrmTrainer(job);
      const rng = new Rng(11);
      const out: number[] = [];
      for (let i = 0; i < 5; i++) out.push(trainer.step(randomBatch(rng, { batchSize: 16, numDense: 13, tableSizes, bagSize: [1, 2] }), 0.05));
      trainer.dispose();
      return out;
    };
    const onCpu = await losses('cpu');
    const onWasm = await losses('wasm');
    onWasm.forEach((l, i) => expect(l).toBeCloseTo(onCpu[i], 4));
    await initBackend('cpu');
  });
});
