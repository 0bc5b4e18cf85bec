/**
 * The exported torch.distributed job (engine/train/torch-job): 2 ranks with gloo on CPU (started by
 * torch.multiprocessing: Debian's torch 1.13 torchrun is broken) train the same model as 1 rank and
 * as the app itself on the same data and seed, and the weights imported back score the test rows as
 * the PyTorch model did.
 *
 * Needs Python 3 with PyTorch and NumPy (Debian: apt-get install -y python3-torch python3-numpy).
 * Without them this test FAILS with those instructions: it is never skipped.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec, OptimizerSpec, TrainSpec } from '../../src-main/domain';
import { splitBatchSource } from '../../src-main/engine/data/batch-source';
import { plantedSplit } from '../../src-main/engine/train/testing';
import { runTraining } from '../../src-main/engine/train/run-training';
import type { TrainJob } from '../../src-main/engine/train/trainer';
import { modelFromWeights } from '../../src-main/engine/model/models';
import { orderedBatches } from '../../src-main/engine/data/batch-source';
import { predictBatches } from '../../src-main/engine/train/model-file';
import { initBackend } from '../../src-main/engine/backend';
import {
  jobOutputFolder,
  parseJobLogLine,
  readJobConfig,
  readJobWeights,
  TORCH_JOB_FILES,
  writeTorchJob,
} from '../../src-main/engine/train/torch-job/job-folder';
import type { TorchJobEvent } from '../../src-main/domain';
import { findTorchPython, TORCH_INSTALL_HINT } from '../support/torch-python';

const tableSizes = Array.from({ length: 26 }, (_, f) => (f < 4 ? 60 : 30 + f));
const model: ModelSpec = { kind: 'dlrm', embeddingDim: 8, bottomMlp: '13-32-8', topMlp: '64-1', interaction: 'dot', hashSize: 100 };
const optimizer: OptimizerSpec = { dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.01, sparseLearningRate: 0.1, warmupSteps: 20, decay: 'cosine' };
const train: TrainSpec = { batchSize: 128, epochs: 1, evalEvery: 0, seed: 7, maxBadRowShare: 0.1, checkpointEvery: 0 };
const job: TrainJob = { model, optimizer, train, tableSizes };

const data = {
  train: splitBatchSource(plantedSplit(30_000, tableSizes, 1)),
  valid: splitBatchSource(plantedSplit(2_000, tableSizes, 2)),
  test: splitBatchSource(plantedSplit(4_000, tableSizes, 3)),
};

let python = '';

function runJob(dir: string, out: string, ranks: number): TorchJobEvent[] {
  const run = spawnSync(python, [join(dir, TORCH_JOB_FILES.script), '--nproc', String(ranks), '--out', out, '--threads', '1'], { encoding: 'utf8', timeout: 240_000 });
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  const file = join(out, TORCH_JOB_FILES.log);
  return readFileSync(file, 'utf8').trim().split('\n').map((line, i) => parseJobLogLine(line, i + 1, file));
}

function finished(events: TorchJobEvent[]): Extract<TorchJobEvent, { type: 'finished' }> {
  const last = events[events.length - 1];
  if (last.type !== 'finished') throw new Error(`the job did not finish: ${JSON.stringify(last)}`);
  return last;
}

describe('torch.distributed job', () => {
  beforeAll(() => {
    const found = findTorchPython();
    if (!found) throw new Error(TORCH_INSTALL_HINT);
    python = found;
  });

  it('writes a job whose 1- and 2-rank runs match the app run, and whose weights import back', async () => {
    await initBackend('cpu');
    const root = mkdtempSync(join(tmpdir(), 'dlrm-torch-job-'));
    const dir = join(root, 'job');
    // two ranks: tables 0..12 on rank 0, 13..25 on rank 1
    const plan = { worldSize: 2, tableOwner: tableSizes.map((_, f) => (f < 13 ? 0 : 1)) };
    const { config } = writeTorchJob({ dir, job, data, plan, runId: null, runName: 'test', dataset: { kind: 'synthetic', rows: 36_000, seed: 1 }, appFiles: { 'preprocessing.json': '{}' } });
    expect(config.rows).toEqual({ train: 30_000, valid: 2_000, test: 4_000 });
    expect(readJobConfig(dir).plan).toEqual(plan);
    expect(jobOutputFolder(dir)).toBe(join(dir, 'output'));

    const one = runJob(dir, join(root, 'out1'), 1);
    const two = runJob(dir, join(root, 'out2'), 2);
    const started = two[0];
    expect(started.type).toBe('started');
    if (started.type === 'started') {
      expect(started.worldSize).toBe(2);
      expect(started.tableOwner).toEqual(plan.tableOwner);
    }
    expect(two.filter((e) => e.type === 'progress').length).toBeGreaterThan(0);
    const oneAuc = finished(one).test?.auc ?? NaN;
    const twoAuc = finished(two).test?.auc ?? NaN;
    // launched as torchrun launches (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR/PORT in the environment;
    // Debian's torch 1.13 torchrun itself crashes, so the two processes are started here): the same model
    const envOut = join(root, 'out-env');
    const port = String(29_500 + Math.floor(Math.random() * 2000));
    const codes = await Promise.all(
      [0, 1].map(
        (rank) =>
          new Promise<number | null>((resolve) => {
            const env = { ...process.env, RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: '2', LOCAL_WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: port };
            const child = spawn(python, [join(dir, TORCH_JOB_FILES.script), '--out', envOut, '--threads', '1'], { env, stdio: 'ignore' });
            child.on('exit', (code) => resolve(code));
          }),
      ),
    );
    expect(codes).toEqual([0, 0]);
    const envFile = join(envOut, TORCH_JOB_FILES.log);
    const envEvents = readFileSync(envFile, 'utf8').trim().split('\n').map((line, i) => parseJobLogLine(line, i + 1, envFile));
    expect(finished(envEvents).test?.auc).toBe(finished(two).test?.auc);
    // the copied output folder alone is enough to follow and import
    expect(readJobConfig(join(root, 'out2')).rows.test).toBe(4_000);
    expect(existsSync(join(root, 'out2', 'app', 'preprocessing.json'))).toBe(true);

    // the app's own run: same data, seed, initial weights and (first-epoch) batch order
    const app = await runTraining(job, data, { onEvent: () => undefined, progressIntervalMs: 0, keepModel: true });
    expect(app.status).toBe('finished');
    const appAuc = app.test?.auc ?? NaN;
    app.model?.dispose();

    writeFileSync(join(root, 'aucs.json'), JSON.stringify({ oneAuc, twoAuc, appAuc }));
    expect(oneAuc).toBeGreaterThan(0.6);
    expect(Math.abs(twoAuc - oneAuc)).toBeLessThan(0.005);
    expect(Math.abs(twoAuc - appAuc)).toBeLessThan(0.005);
    expect(Math.abs(oneAuc - appAuc)).toBeLessThan(0.005);

    // the imported model scores the test rows as the PyTorch model did
    const weights = readJobWeights(join(root, 'out2'), config, finished(two).weights);
    const imported = modelFromWeights(model, tableSizes, weights);
    const before = tf.memory().numTensors;
    const scores = predictBatches(imported, orderedBatches(data.test, 1000));
    expect(tf.memory().numTensors).toBe(before);
    imported.dispose();
    const torchScores = new Float32Array(readFileSync(join(root, 'out2', TORCH_JOB_FILES.testPredictions)).buffer.slice(0));
    expect(torchScores.length).toBe(4_000);
    let worst = 0;
    for (let i = 0; i < scores.length; i++) worst = Math.max(worst, Math.abs(scores[i] - torchScores[i]));
    expect(worst).toBeLessThan(1e-5);
  });
});
