/**
 * Hybrid parallel training on threads (engine/train/hybrid.ts), driven directly with the built
 * worker entry (out/main/train-worker.js, `npm run build`) as its workers: tables sharded by the
 * planner, pooled vectors and their gradients exchanged through shared memory, MLP gradients
 * all-reduced. N = 1, 2 and 4 workers must train the same model as one thread.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitBatchSource } from '../../src-main/engine/data/batch-source';
import { latestCheckpoint } from '../../src-main/engine/train/checkpoint';
import { runTraining, type TrainEvent } from '../../src-main/engine/train/run-training';
import { plantedSplit } from '../../src-main/engine/train/testing';
import type { ModelSpec, OptimizerSpec, ShardingPlan } from '../../src-main/domain';
import { initBackend, type BackendInfo } from '../../src-main/engine/backend';
import { Rng } from '../../src-main/engine/random/rng';
import { HybridStepper, HYBRID_PHASES } from '../../src-main/engine/train/hybrid';
import { proposePlan } from '../../src-main/engine/train/sharding-plan';
import { randomBatch } from '../../src-main/engine/train/testing';
import { ModelTrainer, type TrainJob } from '../../src-main/engine/train/trainer';
import type { Batch } from '../../src-main/engine/data/types';
import { repoRoot } from '../support/browser';

const workerScript = join(repoRoot, 'out/main/train-worker.js');
const tableSizes = [60, 50, 40, 30, 20, 10];
const DLRM: ModelSpec = { kind: 'dlrm', embeddingDim: 8, bottomMlp: '13-16-8', topMlp: '16-1', interaction: 'dot', hashSize: 60 };

function job(optimizer: OptimizerSpec, batchSize = 128): TrainJob {
  return { model: DLRM, optimizer, train: { batchSize, epochs: 1, evalEvery: 0, seed: 3, maxBadRowShare: 1, checkpointEvery: 0 }, tableSizes };
}

function batches(count: number, batchSize: number): Batch[] {
  const rng = new Rng(11);
  return Array.from({ length: count }, () => randomBatch(rng, { batchSize, numDense: 13, tableSizes, bagSize: [1, 2] }));
}

const planFor = (spec: TrainJob, workers: number) =>
  proposePlan({ tableSizes, embeddingDim: 8, workers, batchSize: spec.train.batchSize, denseParamCount: 1000, denseOptimizer: spec.optimizer.dense, sparseOptimizer: spec.optimizer.sparse }).plan;

/** Losses of the steps and the final tables, on one thread (workers 0) or N hybrid workers. */
async function train(spec: TrainJob, data: Batch[], workers: number | ShardingPlan, lr: number): Promise<{ losses: number[]; tables: Float32Array[]; states: Float32Array[]; agree: boolean; stepper: HybridStepper | null }> {
  const trainer = new ModelTrainer(spec);
  const plan = typeof workers === 'number' ? (workers > 0 ? planFor(spec, workers) : null) : workers;
  const stepper = plan ? await HybridStepper.start(trainer, plan, workerScript, 'wasm') : null;
  try {
    const losses = data.map((batch) => (stepper ? stepper.step(batch, lr) : trainer.step(batch, lr)));
    const agree = stepper ? await stepper.gather() : true;
    return { losses, tables: trainer.model.embeddings.tables.map((t) => t.slice()), states: trainer.sparseOptimizer.state().map((s) => s.slice()), agree, stepper };
  } finally {
    await stepper?.dispose();
    trainer.dispose();
  }
}

describe('hybrid parallel training on threads', () => {
  let wasm: BackendInfo;
  beforeAll(async () => {
    wasm = await initBackend('wasm');
  });

  it('resumes a hybrid run from a checkpoint to the losses, weights and AUC of an uninterrupted one', async () => {
    const spec = job({ dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.01, warmupSteps: 0, decay: 'none' }, 48);
    const hybridJob: TrainJob = { ...spec, train: { ...spec.train, epochs: 2, hybridWorkers: 2 } };
    const run = async (extra: Partial<Parameters<typeof runTraining>[2]>) => {
      const events: TrainEvent[] = [];
      const data = { train: splitBatchSource(plantedSplit(600, tableSizes, 1)), valid: splitBatchSource(plantedSplit(100, tableSizes, 2)), test: splitBatchSource(plantedSplit(200, tableSizes, 3)) };
      const result = await runTraining(hybridJob, data, { onEvent: (e) => events.push(e), backend: wasm, progressIntervalMs: 0, keepModel: true, parallelWorkerScript: workerScript, ...extra });
      const weights = result.model?.weights() ?? null;
      result.model?.dispose();
      const started = events.find((e) => e.type === 'started');
      return { result, weights, detail: started?.type === 'started' ? started.detail : '', losses: events.flatMap((e) => (e.type === 'progress' ? [e.loss] : [])), phases: events.filter((e) => e.type === 'phases').length };
    };
    const full = await run({});
    expect(full.result.status).toBe('finished');
    expect(full.detail).toMatch(/hybrid parallel on 2 threads/);
    expect(full.phases).toBe(full.losses.length);
    const dir = join(mkdtempSync(join(tmpdir(), 'dlrm-hybrid-resume-')), 'checkpoints');
    const first = await run({ checkpointDir: dir, stopAfterStep: 17 }); // mid-epoch: 13 batches per epoch
    expect(first.result.status).toBe('cancelled');
    const second = await run({ resumeFrom: latestCheckpoint(dir) as string });
    expect(second.result.status).toBe('finished');
    expect([...first.losses, ...second.losses]).toEqual(full.losses);
    expect(second.weights).toEqual(full.weights);
    expect(second.result.test?.auc).toBe(full.result.test?.auc);
  });

  it('N = 1, 2, 4 workers give the losses of one thread over 100 steps, replicas equal, no tensor leaked', async () => {
    const spec = job({ dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.01, sparseLearningRate: 0.05, warmupSteps: 0, decay: 'none' });
    const data = batches(100, 128);
    const reference = await train(spec, data, 0, 0.01);
    const before = tf.memory().numTensors;
    for (const workers of [1, 2, 4]) {
      const run = await train(spec, data, workers, 0.01);
      expect(run.agree).toBe(true);
      // float32 sums split over workers round differently; a wrong gradient moves a loss by far more
      for (let i = 0; i < data.length; i++) expect(Math.abs(run.losses[i] - reference.losses[i])).toBeLessThan(2e-4 * Math.max(1, reference.losses[i]));
      let worst = 0;
      run.tables.forEach((t, f) => t.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - reference.tables[f][k])))));
      expect(worst).toBeLessThan(1e-3);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('sharded tables are bit-equal to one thread after 100 SGD steps when the MLPs are held still', async () => {
    // dense learning rate 1e-30: every MLP update is below float32 resolution, so the pooled
    // gradients of every step are the one thread's, and the tables isolate the sharded path:
    // lookups by their owners, both all-to-alls, the owners' updates (batch 128: the slices' loss
    // scales 1/2 and 1/4 are exact in binary)
    const spec = job({ dense: 'sgd', sparse: 'sgd', learningRate: 1e-30, sparseLearningRate: 0.1, warmupSteps: 0, decay: 'none' });
    const data = batches(100, 128);
    const reference = await train(spec, data, 0, 1e-30);
    const fresh = new ModelTrainer(spec);
    const initial = fresh.model.embeddings.tables[0].slice();
    fresh.dispose();
    for (const workers of [2, 4]) {
      const run = await train(spec, data, workers, 1e-30);
      run.tables.forEach((t, f) => {
        let different = 0;
        t.forEach((v, k) => {
          if (!Object.is(v, reference.tables[f][k])) different++;
        });
        expect(different, `table ${f}, ${workers} workers`).toBe(0);
      });
      // and training did move them
      expect(run.tables[0].some((v, k) => v !== initial[k])).toBe(true);
    }
  });

  // tables split by rows: table 0 over workers 1 then 0 (the partial sums added in plan order, not
  // worker order), table 1 over three workers; on 4 workers also table 3 over two
  const rowPlans: ShardingPlan[] = [
    {
      workers: 2,
      shards: [{ table: 0, kind: 'row', workers: [1, 0], rowStarts: [0, 25, 60] }, { table: 1, kind: 'table', worker: 1 }, { table: 2, kind: 'row', workers: [0, 1], rowStarts: [0, 7, 40] }, { table: 3, kind: 'table', worker: 0 }, { table: 4, kind: 'table', worker: 0 }, { table: 5, kind: 'table', worker: 1 }],
    },
    {
      workers: 4,
      shards: [
        { table: 0, kind: 'row', workers: [2, 0, 3], rowStarts: [0, 10, 41, 60] },
        { table: 1, kind: 'row', workers: [1, 3], rowStarts: [0, 30, 50] },
        { table: 2, kind: 'table', worker: 2 },
        { table: 3, kind: 'row', workers: [3, 1], rowStarts: [0, 1, 30] },
        { table: 4, kind: 'table', worker: 0 },
        { table: 5, kind: 'table', worker: 1 },
      ],
    },
  ];

  it('row-wise sharded tables: the planner splits a table over budget, and plans with split tables give the losses of one thread over 100 steps', async () => {
    const spec = job({ dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.01, sparseLearningRate: 0.05, warmupSteps: 0, decay: 'none' });
    // the tables need 210 rows x (8 + 1) x 4 = 7560 B, the MLPs with Adam 12000 B a worker: with 3900 B
    // a worker for tables, the last two tables fit on no worker whole and are split by rows
    const planned = proposePlan({ tableSizes, embeddingDim: 8, workers: 2, batchSize: 128, denseParamCount: 1000, denseOptimizer: 'adam', sparseOptimizer: 'rowwise-adagrad', memoryBudgetBytes: 12000 + 3900 });
    expect(planned.cost.problems).toEqual([]);
    expect(planned.plan.shards.some((s) => s.kind === 'row')).toBe(true);
    const data = batches(100, 128);
    const reference = await train(spec, data, 0, 0.01);
    const before = tf.memory().numTensors;
    for (const plan of [planned.plan, ...rowPlans]) {
      const run = await train(spec, data, plan, 0.01);
      expect(run.agree).toBe(true);
      for (let i = 0; i < data.length; i++) expect(Math.abs(run.losses[i] - reference.losses[i])).toBeLessThan(2e-4 * Math.max(1, reference.losses[i]));
      let worst = 0;
      run.tables.forEach((t, f) => t.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - reference.tables[f][k])))));
      expect(worst).toBeLessThan(1e-3);
      // each row's Adagrad state came back from its holder: a relative, not a bit, match (the step sizes differ in the last bits)
      run.states.forEach((s, f) => s.forEach((v, k) => expect(Math.abs(v - reference.states[f][k])).toBeLessThanOrEqual(1e-3 * Math.max(1e-6, reference.states[f][k]))));
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('row-wise sharded tables are bit-equal to one thread after 100 SGD steps when the MLPs are held still', async () => {
    // as above: bags of 1 or 2 values, so a pooled vector is at most a + b, whichever shards hold a and b
    const spec = job({ dense: 'sgd', sparse: 'sgd', learningRate: 1e-30, sparseLearningRate: 0.1, warmupSteps: 0, decay: 'none' });
    const data = batches(100, 128);
    const reference = await train(spec, data, 0, 1e-30);
    const fresh = new ModelTrainer(spec);
    const initial = fresh.model.embeddings.tables.map((t) => t.slice());
    fresh.dispose();
    for (const plan of rowPlans) {
      const run = await train(spec, data, plan, 1e-30);
      run.tables.forEach((t, f) => {
        let different = 0;
        t.forEach((v, k) => {
          if (!Object.is(v, reference.tables[f][k])) different++;
        });
        expect(different, `table ${f}, ${plan.workers} workers`).toBe(0);
      });
      // rows of every range of the split table 0 moved (not only those on worker 0)
      for (const [from, to] of [[0, 10], [10, 41], [41, 60]]) expect(run.tables[0].subarray(from * 8, to * 8).some((v, k) => v !== initial[0][from * 8 + k])).toBe(true);
    }
  });

  it('times every phase of a step', async () => {
    const spec = job({ dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.01, warmupSteps: 0, decay: 'none' }, 64);
    const trainer = new ModelTrainer(spec);
    const stepper = await HybridStepper.start(trainer, planFor(spec, 2), workerScript, 'wasm');
    try {
      for (const batch of batches(5, 64)) stepper.step(batch, 0.01);
      const timings = stepper.timings();
      expect(timings.steps).toBe(5);
      expect(timings.perWorker.length).toBe(2);
      for (const phase of HYBRID_PHASES) expect(timings.main[phase]).toBeGreaterThanOrEqual(0);
      for (const phase of ['bottomMlp', 'interaction', 'topMlp', 'backward'] as const) expect(timings.main[phase]).toBeGreaterThan(0);
      expect(timings.perWorker[1].lookup).toBeGreaterThan(0);
    } finally {
      await stepper.dispose();
      trainer.dispose();
    }
  });
});
