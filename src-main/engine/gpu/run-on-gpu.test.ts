/**
 * A training run on the webgpu backend trains a DLRM with the WebGPU step (dlrm-step/, no tfjs in
 * the step; compressed tables: host pooling, MLPs on the device by tfjs): same losses, evaluations and checkpoints as the same run on the cpu backend, a
 * checkpoint in today's format, and a resume that ends where the uninterrupted run ends.
 * Runs on llvmpipe in CI (forced webgpu); FAILS without an adapter unless DLRM_SKIP_WEBGPU=1 outside CI.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricValues } from '../../domain';
import { initBackend, probeWebGpu, type BackendInfo } from '../backend';
import { splitBatchSource } from '../data/batch-source';
import { latestCheckpoint, loadCheckpoint } from '../train/checkpoint';
import { loadModel, saveModel } from '../train/model-file';
import { runTraining, type TrainEvent } from '../train/run-training';
import { prefetchForSyncReads } from './device-step';
import { plantedSplit, randomBatch } from '../train/testing';
import { Rng } from '../random/rng';
import type { Batch } from '../data/types';
import type { BatchSourceLike } from '../data/batch-source';
import type { TrainJob } from '../train/trainer';

const skipAllowed = process.env.DLRM_SKIP_WEBGPU === '1' && !process.env.CI;
const probe = await probeWebGpu();

const tableSizes = [40, 30, 20, 10];
const job: TrainJob = {
  model: { kind: 'dlrm', embeddingDim: 4, bottomMlp: '13-8-4', topMlp: '8-1', interaction: 'dot', hashSize: 40 },
  optimizer: { dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.05, warmupSteps: 3, decay: 'cosine' },
  train: { batchSize: 32, epochs: 2, evalEvery: 5, seed: 7, maxBadRowShare: 0.1, checkpointEvery: 0 },
  tableSizes,
};
const data = () => ({
  train: splitBatchSource(plantedSplit(400, tableSizes, 1)),
  valid: splitBatchSource(plantedSplit(200, tableSizes, 2)),
  test: splitBatchSource(plantedSplit(300, tableSizes, 3)),
});

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dlrm-gpu-run-'));
});
afterAll(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  await initBackend('cpu');
});

async function run(backend: BackendInfo, dir: string, extra: Partial<Parameters<typeof runTraining>[2]> = {}) {
  const events: TrainEvent[] = [];
  const result = await runTraining(job, data(), { onEvent: (e) => events.push(e), backend, progressIntervalMs: 0, checkpointDir: dir, ...extra });
  const losses = events.flatMap((e) => (e.type === 'progress' ? [e.loss] : []));
  const evals = events.flatMap((e) => (e.type === 'eval' ? [e.metrics] : []));
  return { result, events, losses, evals };
}

function close(a: MetricValues | null, b: MetricValues | null, tolerance: number): void {
  expect(a?.auc).toBeDefined();
  expect(Math.abs((a?.auc ?? 0) - (b?.auc ?? 1))).toBeLessThan(tolerance);
  expect(Math.abs((a?.logLoss ?? 0) - (b?.logLoss ?? 1))).toBeLessThan(tolerance);
}

describe.skipIf(skipAllowed && !probe.available)(`training runs on webgpu (adapter: ${probe.detail})`, () => {
  it('train with the WebGPU step: the cpu run\'s losses, evaluations and checkpoint; resume ends in the same place', async () => {
    expect(probe.available).toBe(true);
    const cpu = await run(await initBackend('cpu'), path.join(tmp, 'cpu'));
    expect(cpu.result.status).toBe('finished');

    const webgpu = await initBackend('webgpu');
    const gpu = await run(webgpu, path.join(tmp, 'gpu'), { keepModel: true });
    expect(gpu.result.error).toBeNull();
    // the kept model (the host mirror, read back from the device) saved as the worker saves a run's model
    const kept = gpu.result.model;
    expect(kept).not.toBeNull();
    const modelFile = path.join(tmp, 'model.bin');
    if (kept) {
      await prefetchForSyncReads(kept.variables());
      saveModel(modelFile, kept, { model: job.model, preprocessing: null, trainedSteps: gpu.result.step, test: gpu.result.test });
      kept.dispose();
    }
    expect(gpu.result.status).toBe('finished');
    const started = gpu.events.find((e) => e.type === 'started');
    // on llvmpipe (CI's adapter) the session picks the software adapter's dense blocks
    expect(started?.type === 'started' && started.detail).toMatch(
      /WebGPU step \(no tfjs\) on .+; 1 table buffer\(s\); dense blocks 8x16, input gradients from W\^T \(software adapter\); (forward\+backward kernels [0-9.]+ ms a step \(.+\)|no timestamp queries)$/,
    );
    // every step's loss (progress every step), every evaluation, the final metrics
    expect(gpu.losses).toHaveLength(cpu.losses.length);
    let maxDiff = 0;
    gpu.losses.forEach((l, i) => (maxDiff = Math.max(maxDiff, Math.abs(l - cpu.losses[i]))));
    expect(maxDiff).toBeLessThan(1e-4);
    expect(gpu.evals).toHaveLength(cpu.evals.length);
    gpu.evals.forEach((m, i) => close(m, cpu.evals[i], 1e-4));
    close(gpu.result.test, cpu.result.test, 1e-4);
    expect(Math.abs((gpu.result.lastLoss ?? 0) - (cpu.result.lastLoss ?? 1))).toBeLessThan(1e-4);
    // the final checkpoint holds the device's model in the CPU path's format
    const gpuFile = latestCheckpoint(path.join(tmp, 'gpu'));
    const cpuFile = latestCheckpoint(path.join(tmp, 'cpu'));
    expect(gpuFile && cpuFile).toBeTruthy();
    const a = loadCheckpoint(gpuFile as string);
    const b = loadCheckpoint(cpuFile as string);
    expect(a.meta.position).toEqual({ ...b.meta.position, trainSeconds: a.meta.position.trainSeconds });
    const diff = (x: Float32Array[], y: Float32Array[]) => {
      expect(x.map((v) => v.length)).toEqual(y.map((v) => v.length));
      let m = 0;
      x.forEach((v, i) => v.forEach((value, j) => (m = Math.max(m, Math.abs(value - y[i][j])))));
      return m;
    };
    expect(diff(a.weights.tables, b.weights.tables)).toBeLessThan(1e-4);
    expect(diff(a.weights.dense, b.weights.dense)).toBeLessThan(1e-4);
    expect(diff(a.optimizers.dense, b.optimizers.dense)).toBeLessThan(1e-4);
    expect(diff(a.optimizers.sparse, b.optimizers.sparse)).toBeLessThan(1e-4);

    // the saved model file opens on the cpu backend (as Explore opens it) with the device's weights
    await initBackend('cpu');
    const saved = loadModel(modelFile);
    expect(saved.meta.trainedSteps).toBe(gpu.result.step);
    const savedTables = saved.model.embeddings.tables.map((t) => Float32Array.from(t));
    const savedDense = saved.model.variables().map((v) => v.dataSync() as Float32Array);
    saved.model.dispose();
    expect(diff(savedTables, a.weights.tables)).toBe(0);
    expect(diff(savedDense, a.weights.dense)).toBe(0);

    // stop after 10 steps, resume from the checkpoint: the same end as the uninterrupted run
    await initBackend('webgpu');
    const stopped = await run(webgpu, path.join(tmp, 'stopped'), { stopAfterStep: 10 });
    expect(stopped.result.status).toBe('cancelled');
    const resumeFrom = latestCheckpoint(path.join(tmp, 'stopped'));
    expect(resumeFrom).toMatch(/10/);
    const resumed = await run(webgpu, path.join(tmp, 'stopped'), { resumeFrom: resumeFrom as string });
    expect(resumed.result.status).toBe('finished');
    expect(resumed.result.step).toBe(gpu.result.step);
    close(resumed.result.test, gpu.result.test, 1e-6);
  });

  it('mean pooling of multi-hot bags: the run on the device follows the cpu run (and differs from sum pooling)', async () => {
    expect(probe.available).toBe(true);
    // fixed multi-hot batches (1-3 values a bag), so mean and sum pooling give different models
    const source = (seed: number, count: number): BatchSourceLike => {
      const rng = new Rng(seed);
      const batches: Batch[] = Array.from({ length: count }, () => randomBatch(rng, { batchSize: 32, numDense: 13, tableSizes, bagSize: [1, 3] }));
      return { numRows: 32 * count, batches: (_epoch, _batchSize, _seed, start = 0) => batches.slice(start), inOrder: () => batches };
    };
    const meanJob: TrainJob = { ...job, model: { ...job.model, pooling: 'mean' }, train: { ...job.train, epochs: 1 } };
    const runOn = async (backend: BackendInfo, which: TrainJob) => {
      const losses: number[] = [];
      const result = await runTraining(which, { train: source(11, 8), valid: source(12, 2), test: source(13, 3) }, {
        onEvent: (e) => { if (e.type === 'progress') losses.push(e.loss); }, backend, progressIntervalMs: 0,
      });
      expect(result.error).toBeNull();
      return { result, losses };
    };
    const cpu = await runOn(await initBackend('cpu'), meanJob);
    const cpuSum = await runOn(await initBackend('cpu'), { ...meanJob, model: { ...meanJob.model, pooling: 'sum' } });
    const gpu = await runOn(await initBackend('webgpu'), meanJob);
    expect(gpu.losses).toHaveLength(8);
    let maxDiff = 0;
    let sumDiff = 0;
    gpu.losses.forEach((l, i) => {
      maxDiff = Math.max(maxDiff, Math.abs(l - cpu.losses[i]));
      sumDiff = Math.max(sumDiff, Math.abs(l - cpuSum.losses[i]));
    });
    expect(maxDiff).toBeLessThan(1e-4);
    expect(sumDiff).toBeGreaterThan(1e-3);
    close(gpu.result.test, cpu.result.test, 1e-4);
  });

  it.each([
    ['qr embeddings (product)', { compression: { kind: 'qr', remainderRows: 8, combine: 'product' } }, /pooled and updated on the host and the MLPs trained on the device/],
    ['mixed-dimension embeddings', { compression: { kind: 'mixed-dim', hotShare: 0.25, coldDim: 2 } }, /pooled and updated on the host and the MLPs trained on the device/],
    ['fp16 tables', { tablePrecision: 'fp16' }, /WebGPU step \(no tfjs\) on .*table buffer\(s\) of fp16 numbers/],
    ['bf16 tables', { tablePrecision: 'bf16' }, /WebGPU step \(no tfjs\) on .*table buffer\(s\) of bf16 numbers/],
  ] as const)('%s train on webgpu and follow the cpu run (QR and mixed-dim: host tables, MLPs on the device; 16-bit: the WebGPU step)', async (_name, compression, detail) => {
    expect(probe.available).toBe(true);
    const compressedJob: TrainJob = { ...job, model: { ...job.model, ...compression }, train: { ...job.train, epochs: 1 } };
    const runOn = async (backend: BackendInfo) => {
      const events: TrainEvent[] = [];
      const result = await runTraining(compressedJob, data(), { onEvent: (e) => events.push(e), backend, progressIntervalMs: 0, keepModel: true });
      expect(result.error).toBeNull();
      expect(result.status).toBe('finished');
      return { result, events, losses: events.flatMap((e) => (e.type === 'progress' ? [e.loss] : [])) };
    };
    const cpu = await runOn(await initBackend('cpu'));
    const gpu = await runOn(await initBackend('webgpu'));
    const started = gpu.events.find((e) => e.type === 'started');
    expect(started?.type === 'started' ? started.detail : '').toMatch(detail);
    expect(gpu.losses.length).toBe(Math.ceil(400 / 32));
    expect(gpu.losses).toHaveLength(cpu.losses.length);
    const maxDiff = Math.max(...gpu.losses.map((l, i) => Math.abs(l - cpu.losses[i])));
    expect(maxDiff).toBeLessThan(1e-4);
    close(gpu.result.test, cpu.result.test, 1e-4);
    // the same (compressed) model as the cpu run's, and the kept model (a 16-bit run's: the device's bits
    // copied into the host's stored tables) holds the cpu run's numbers
    expect(gpu.result.paramCount).toBe(cpu.result.paramCount);
    const kept = [gpu.result.model, cpu.result.model];
    if (kept[0] && kept[1]) {
      await prefetchForSyncReads(kept[0].variables());
      const [gpuTables, cpuTables] = kept.map((m) => (m as unknown as { embeddings: { tables: Float32Array[] } }).embeddings.tables);
      let tableDiff = 0;
      gpuTables.forEach((t, f) => t.forEach((x, i) => (tableDiff = Math.max(tableDiff, Math.abs(x - cpuTables[f][i])))));
      expect(tableDiff).toBeLessThan(1e-3);
    } else expect.fail('both runs keep their model');
    kept.forEach((m) => m?.dispose());
  });

  it('one epoch on 50,000 synthetic rows: test AUC within 0.002 of the wasm (CPU) run', async () => {
    const sizes = [500, 400, 300, 200, 100, 50];
    const epochJob: TrainJob = {
      model: { kind: 'dlrm', embeddingDim: 8, bottomMlp: '13-32-8', topMlp: '32-1', interaction: 'dot', hashSize: 500 },
      optimizer: { dense: 'sgd', sparse: 'rowwise-adagrad', learningRate: 0.1, warmupSteps: 0, decay: 'none' },
      train: { batchSize: 256, epochs: 1, evalEvery: 0, seed: 11, maxBadRowShare: 0.1, checkpointEvery: 0 },
      tableSizes: sizes,
    };
    const splits = () => ({ train: splitBatchSource(plantedSplit(50_000, sizes, 21)), test: splitBatchSource(plantedSplit(10_000, sizes, 22)) });
    const onEvent = () => undefined;
    const cpu = await runTraining(epochJob, splits(), { onEvent, backend: await initBackend('wasm') });
    const gpu = await runTraining(epochJob, splits(), { onEvent, backend: await initBackend('webgpu') });
    expect(gpu.error).toBeNull();
    expect(gpu.step).toBe(Math.ceil(50_000 / 256));
    expect(cpu.test?.auc).toBeGreaterThan(0.6);
    console.log(`one epoch, 50,000 rows: test AUC wasm ${cpu.test?.auc?.toFixed(5)}, webgpu step ${gpu.test?.auc?.toFixed(5)}`);
    expect(Math.abs((gpu.test?.auc ?? 0) - (cpu.test?.auc ?? 1))).toBeLessThan(0.002);
  });
});
