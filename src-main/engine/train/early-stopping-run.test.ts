/**
 * Early stopping inside runTraining: it stops where the decision says, the final model is the best
 * evaluation's (its metrics equal those logged at that step), and a run stopped or paused part-way
 * and resumed ends exactly like an uninterrupted one.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricValues } from '../../domain';
import { initBackend, type BackendInfo } from '../backend';
import { splitBatchSource } from '../data/batch-source';
import { latestCheckpoint } from './checkpoint';
import { initialEarlyStopState, observeEvaluation } from './early-stopping';
import { runTraining, type RunTrainingOptions, type TrainEvent } from './run-training';
import { plantedSplit } from './testing';
import type { TrainJob } from './trainer';

let cpu: BackendInfo;
let tmp: string;
beforeAll(async () => {
  cpu = await initBackend('cpu');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dlrm-early-stop-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const tableSizes = [40, 30, 20, 10];
/** 300 training rows, 12 epochs at a high rate: the tables memorise them and the validation loss turns up. */
const job: TrainJob = {
  model: { kind: 'dlrm', embeddingDim: 4, bottomMlp: '13-8-4', topMlp: '8-1', interaction: 'dot', hashSize: 40 },
  optimizer: { dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.05, warmupSteps: 0, decay: 'none' },
  train: { batchSize: 32, epochs: 12, evalEvery: 4, seed: 7, maxBadRowShare: 0.1, checkpointEvery: 8, earlyStopping: { metric: 'logLoss', patience: 3, minDelta: 0 } },
  tableSizes,
};
const data = () => ({
  train: splitBatchSource(plantedSplit(300, tableSizes, 1)),
  valid: splitBatchSource(plantedSplit(300, tableSizes, 2)),
  test: splitBatchSource(plantedSplit(300, tableSizes, 3)),
});

/** Metrics without the timing field (samples/s differs between runs). */
function exact(m: MetricValues | null | undefined): MetricValues {
  const { samplesPerSec: _ignored, ...rest } = m ?? {};
  return rest;
}

async function train(extra: Partial<RunTrainingOptions> = {}) {
  const events: TrainEvent[] = [];
  const result = await runTraining(job, data(), { onEvent: (e) => events.push(e), backend: cpu, progressIntervalMs: 0, keepModel: true, ...extra });
  const weights = result.model ? result.model.weights() : null;
  result.model?.dispose();
  const valid = events.flatMap((e) => (e.type === 'eval' && e.split === 'valid' ? [{ step: e.step, metrics: e.metrics }] : []));
  return { result, events, weights, valid };
}

describe('early stopping in a run', () => {
  it('stops where the decision on its own evaluations says, and keeps the best evaluation\'s model', async () => {
    const { result, valid } = await train();
    expect(result.status).toBe('finished');
    // replay the run's own validation series through the pure decision
    let state = initialEarlyStopState();
    let stopAt: number | null = null;
    for (const { step, metrics } of valid) {
      const verdict = observeEvaluation(job.train.earlyStopping!, state, step, metrics);
      state = verdict.state;
      if (verdict.stop) {
        stopAt = step;
        break;
      }
    }
    expect(stopAt).not.toBeNull();
    // every 4 steps, and at each epoch's end (10 steps an epoch) since early stopping is on
    expect(valid.map((v) => v.step).slice(0, 4)).toEqual([4, 8, 10, 12]);
    expect(result.step).toBe(stopAt);
    expect(result.step).toBeLessThan(result.totalSteps);
    expect(valid.at(-1)!.step).toBe(stopAt);
    expect(result.best).toEqual({ metric: 'logLoss', value: state.bestValue, step: state.bestStep, trainedSteps: stopAt, totalSteps: result.totalSteps, stoppedEarly: true });
    // the kept model, re-evaluated after the run, has exactly the metrics logged at the best step
    const atBest = valid.find((v) => v.step === state.bestStep)!;
    expect(state.bestStep).toBeLessThan(stopAt!);
    expect(exact(result.valid)).toEqual(exact(atBest.metrics));
    // and not those of the last step's model
    expect(result.valid!.logLoss).toBeLessThan(valid.at(-1)!.metrics.logLoss!);
  });

  it('keeps the best model on disk with a checkpoint folder, with the same result as in memory', async () => {
    const inMemory = await train();
    const dir = path.join(tmp, 'on-disk');
    const onDisk = await train({ checkpointDir: dir });
    expect(onDisk.result.best).toEqual(inMemory.result.best);
    expect(exact(onDisk.result.test)).toEqual(exact(inMemory.result.test));
    expect(onDisk.weights).toEqual(inMemory.weights);
    // only the kept best file is left beside the periodic checkpoints
    const bestFiles = fs.readdirSync(dir).filter((f) => f.startsWith('best-'));
    expect(bestFiles).toEqual([`best-${String(onDisk.result.best!.step).padStart(10, '0')}.ckpt`]);
  });

  it('a run stopped part-way and resumed stops at the same step with the same model and test metrics', async () => {
    const whole = await train({ checkpointDir: path.join(tmp, 'whole') });
    const dir = path.join(tmp, 'stopped');
    const first = await train({ checkpointDir: dir, stopAfterStep: 13 });
    expect(first.result.status).toBe('cancelled');
    const resumed = await train({ checkpointDir: dir, resumeFrom: latestCheckpoint(dir)! });
    expect(resumed.result.status).toBe('finished');
    expect(resumed.result.best).toEqual(whole.result.best);
    expect(exact(resumed.result.test)).toEqual(exact(whole.result.test));
    expect(resumed.weights).toEqual(whole.weights);
  });

  it('pauses at a step with an evaluation there, and resumes to the same end', async () => {
    const whole = await train({ checkpointDir: path.join(tmp, 'whole-2') });
    // step 10 is no evaluation step (every 4): the pause adds one there
    const off = await train({ checkpointDir: path.join(tmp, 'paused-10'), pauseAtStep: 10 });
    expect(off.result.status).toBe('cancelled');
    expect(off.result.paused).toBe(true);
    expect(off.result.step).toBe(10);
    expect(off.valid.at(-1)!.step).toBe(10);
    expect(latestCheckpoint(path.join(tmp, 'paused-10'))).toMatch(/checkpoint-0000000010\.ckpt$/);
    // at an evaluation step the paused-and-resumed run is the uninterrupted one
    const dir = path.join(tmp, 'paused-12');
    const paused = await train({ checkpointDir: dir, pauseAtStep: 12 });
    expect(paused.result.paused).toBe(true);
    const resumed = await train({ checkpointDir: dir, resumeFrom: latestCheckpoint(dir)! });
    expect(resumed.result.status).toBe('finished');
    expect(resumed.result.best).toEqual(whole.result.best);
    expect(exact(resumed.result.test)).toEqual(exact(whole.result.test));
    expect(resumed.weights).toEqual(whole.weights);
  });

  it('a pause at or past the last step does not pause', async () => {
    const { result } = await train({ pauseAtStep: 10_000 });
    expect(result.status).toBe('finished');
    expect(result.paused).toBe(false);
  });
});
