/**
 * The two-thread step (engine/train/parallel.ts) driven directly, with the built worker entry as its
 * helper: the helper's replica of the dense weights must stay bit-identical to this side's, runs must
 * be deterministic, close to one thread, leak no tensors, and work for every model kind and for odd
 * batch sizes.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelSpec } from '../../src-main/service/contract';
import { initBackend, type BackendInfo } from '../../src-main/engine/backend';
import { splitBatchSource } from '../../src-main/engine/data/batch-source';
import { latestCheckpoint } from '../../src-main/engine/train/checkpoint';
import { runTraining, type TrainEvent } from '../../src-main/engine/train/run-training';
import { Rng } from '../../src-main/engine/random/rng';
import { ParallelStepper } from '../../src-main/engine/train/parallel';
import { plantedSplit, randomBatch } from '../../src-main/engine/train/testing';
import { ModelTrainer, type TrainJob } from '../../src-main/engine/train/trainer';
import { repoRoot } from '../support/browser';

const workerScript = join(repoRoot, 'out/main/train-worker.js');
const tableSizes = [50, 40, 30, 20];

function job(model: ModelSpec, batchSize: number): TrainJob {
  return {
    model,
    optimizer: { dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.01, warmupSteps: 0, decay: 'none' },
    train: { batchSize, epochs: 1, evalEvery: 0, seed: 3, maxBadRowShare: 1, checkpointEvery: 0 },
    tableSizes,
  };
}

const DLRM: ModelSpec = { kind: 'dlrm', embeddingDim: 16, bottomMlp: '13-32-16', topMlp: '32-1', interaction: 'dot', hashSize: 50 };

/** Losses of `steps` steps on fixed random batches, one or two threads; the trainer is returned for checks. */
async function train(
  spec: TrainJob,
  steps: number,
  threads: 1 | 2,
  check?: (stepper: ParallelStepper, trainer: ModelTrainer, tensorsAfterWarmUp: number) => void,
): Promise<number[]> {
  const trainer = new ModelTrainer(spec);
  const stepper = threads === 2 ? await ParallelStepper.start(trainer, workerScript, 'wasm') : null;
  const rng = new Rng(5);
  const losses: number[] = [];
  let tensorsAfterWarmUp = 0;
  try {
    for (let i = 0; i < steps; i++) {
      const batch = randomBatch(rng, { batchSize: spec.train.batchSize, numDense: 13, tableSizes, bagSize: [1, 2] });
      losses.push(stepper ? await stepper.step(batch, 0.01) : trainer.step(batch, 0.01));
      if (i === 2) tensorsAfterWarmUp = tf.memory().numTensors;
    }
    if (stepper && check) check(stepper, trainer, tensorsAfterWarmUp);
  } finally {
    await stepper?.dispose();
    trainer.dispose();
  }
  return losses;
}

let wasm: BackendInfo;
let tmp: string;

beforeAll(async () => {
  expect(existsSync(workerScript), 'run `npm run build` first').toBe(true);
  wasm = await initBackend('wasm');
  tmp = mkdtempSync(join(tmpdir(), 'dlrm-two-threads-'));
});

afterAll(async () => {
  await initBackend('cpu');
  rmSync(tmp, { recursive: true, force: true });
});

describe('two-thread step', () => {
  it('keeps the replicas identical, is deterministic and follows the one-thread losses', async () => {
    let agree = false;
    let shared = false;
    let leaked = -1;
    const two = await train(job(DLRM, 64), 30, 2, (stepper, trainer, tensorsAfterWarmUp) => {
      stepper.predictAll(splitBatchSource(plantedSplit(40, tableSizes, 9)), 16);
      leaked = tf.memory().numTensors - tensorsAfterWarmUp;
      agree = stepper.replicasAgree();
      shared = trainer.model.embeddings.tables.every((t) => t.buffer instanceof SharedArrayBuffer);
    });
    expect(leaked).toBe(0);
    expect(agree).toBe(true);
    expect(shared).toBe(true);
    expect(await train(job(DLRM, 64), 30, 2)).toEqual(two);
    const one = await train(job(DLRM, 64), 30, 1);
    // same data and order; only float32 summation order differs
    two.forEach((l, i) => expect(Math.abs(l - one[i]), `step ${i}`).toBeLessThan(2e-3));
    expect(two[29]).toBeLessThan(two[0]);
  });

  it('scores evaluation batches on both threads with the one-thread predictions', async () => {
    // eval batches of 7: three split over the threads, the last (4 rows) too; batch 1 stays local.
    // Each case is kept and checked on its own (the split case is the one that can go wrong).
    const cases: { evalBatch: number; labelsTwo: number[]; labelsOne: number[]; rows: number; maxDiff: number }[] = [];
    await train(job(DLRM, 64), 10, 2, (stepper, trainer) => {
      const source = splitBatchSource(plantedSplit(25, tableSizes, 9));
      for (const evalBatch of [7, 1]) {
        const two = stepper.predictAll(source, evalBatch);
        const one = trainer.predictAll(source, evalBatch);
        const maxDiff = Math.max(...Array.from(two.predictions, (p, i) => Math.abs(p - one.predictions[i])));
        cases.push({ evalBatch, labelsTwo: Array.from(two.labels), labelsOne: Array.from(one.labels), rows: two.predictions.length, maxDiff });
      }
    });
    expect(cases.map((c) => c.evalBatch)).toEqual([7, 1]);
    for (const c of cases) {
      expect(c.rows, `eval batch ${c.evalBatch}`).toBe(25);
      expect(c.labelsTwo, `eval batch ${c.evalBatch}`).toEqual(c.labelsOne);
      expect(c.maxDiff, `eval batch ${c.evalBatch}`).toBeGreaterThanOrEqual(0);
      expect(c.maxDiff, `eval batch ${c.evalBatch}`).toBeLessThan(1e-6);
    }
    // the planted split has both classes, so a lost label shows
    expect(new Set(cases[0].labelsOne).size).toBe(2);
  });

  it('takes odd and one-row batches (the helper may get no rows)', async () => {
    for (const batchSize of [1, 3]) {
      let agree = false;
      const losses = await train(job(DLRM, batchSize), 6, 2, (stepper) => {
        agree = stepper.replicasAgree();
      });
      const one = await train(job(DLRM, batchSize), 6, 1);
      expect(agree).toBe(true);
      losses.forEach((l, i) => expect(Math.abs(l - one[i])).toBeLessThan(1e-4));
    }
  });

  for (const model of [
    { kind: 'dcn', embeddingDim: 8, bottomMlp: '', topMlp: '16', interaction: 'dot', hashSize: 50, crossLayers: 2 },
    { kind: 'fm', embeddingDim: 8, bottomMlp: '', topMlp: '', interaction: 'dot', hashSize: 50 },
    { kind: 'lr', embeddingDim: 1, bottomMlp: '', topMlp: '', interaction: 'dot', hashSize: 50 },
    { kind: 'mf', embeddingDim: 8, bottomMlp: '', topMlp: '', interaction: 'dot', hashSize: 50 },
  ] satisfies ModelSpec[]) {
    it(`trains ${model.kind} with the replicas in step`, async () => {
      let agree = false;
      const two = await train(job(model, 32), 15, 2, (stepper) => {
        agree = stepper.replicasAgree();
      });
      const one = await train(job(model, 32), 15, 1);
      expect(agree).toBe(true);
      two.forEach((l, i) => expect(Math.abs(l - one[i]), `step ${i}`).toBeLessThan(2e-3));
    });
  }
});

describe('two-thread step with weight decay', () => {
  it('decays the same on both replicas', async () => {
    let agree = false;
    const spec = { ...job(DLRM, 32), optimizer: { ...job(DLRM, 32).optimizer, weightDecay: 1e-3 } };
    const two = await train(spec, 10, 2, (stepper) => {
      agree = stepper.replicasAgree();
    });
    const one = await train(spec, 10, 1);
    const plain = await train(job(DLRM, 32), 10, 1);
    expect(agree).toBe(true);
    two.forEach((l, i) => expect(Math.abs(l - one[i])).toBeLessThan(2e-3));
    // and it is applied at all: the losses leave the undecayed run's
    expect(one.slice(1).some((l, i) => l !== plain[i + 1])).toBe(true);
  });
});

describe('two-thread training run', () => {
  /** Per-step losses, weights and test metrics of a two-thread runTraining (optionally stopped or resumed). */
  async function run(extra: Partial<Parameters<typeof runTraining>[2]>) {
    const events: TrainEvent[] = [];
    const data = {
      train: splitBatchSource(plantedSplit(600, tableSizes, 1)),
      valid: splitBatchSource(plantedSplit(100, tableSizes, 2)),
      test: splitBatchSource(plantedSplit(200, tableSizes, 3)),
    };
    const result = await runTraining({ ...job(DLRM, 48), train: { ...job(DLRM, 48).train, epochs: 2 } }, data, {
      onEvent: (e) => events.push(e),
      backend: wasm,
      progressIntervalMs: 0,
      keepModel: true,
      parallelWorkerScript: workerScript,
      ...extra,
    });
    const weights = result.model?.weights() ?? null;
    result.model?.dispose();
    const started = events.find((e) => e.type === 'started');
    return { result, weights, detail: started?.type === 'started' ? started.detail : '', losses: events.flatMap((e) => (e.type === 'progress' ? [e.loss] : [])) };
  }

  it('resumes from a checkpoint to the same losses, weights and metrics as an uninterrupted run', async () => {
    const full = await run({});
    expect(full.result.status).toBe('finished');
    expect(full.detail).toMatch(/each step split over 2 threads/);
    const dir = join(tmp, 'resume');
    const first = await run({ checkpointDir: dir, stopAfterStep: 17 }); // mid-epoch: 13 batches per epoch
    expect(first.result.status).toBe('cancelled');
    const second = await run({ resumeFrom: latestCheckpoint(dir) as string });
    expect(second.result.status).toBe('finished');
    expect([...first.losses, ...second.losses]).toEqual(full.losses);
    expect(second.weights).toEqual(full.weights);
    expect(second.result.test?.auc).toBe(full.result.test?.auc);
  });
});
