/**
 * The training loop: epochs of batches with the learning-rate schedule, progress events, periodic
 * evaluation, checkpoints, cancellation and resume. Works in-process or inside the training worker.
 */
import * as tf from '@tensorflow/tfjs';
import type { MetricValues, RunProgress } from '../../domain';
import { initBackend, type BackendInfo } from '../backend';
import type { CtrModel } from '../model/ctr-model';
import { batchesPerEpoch, type BatchSourceLike } from '../data/batch-source';
import { checkpointMismatch, checkpointPath, loadCheckpoint, pruneCheckpoints, saveCheckpoint, type TrainingPosition } from './checkpoint';
import { ParallelStepper } from './parallel';
import { computeMetrics } from './metrics';
import { needsAsyncReads, predictAllAsync, prefetchForSyncReads, stepAsync } from '../gpu/device-step';
import { learningRateAt } from './schedule';
import { ModelTrainer, type TrainJob } from './trainer';

export type TrainEvent =
  | { type: 'started'; backend: string; detail: string; paramCount: number; totalSteps: number; resumedFromStep: number }
  | ({ type: 'progress'; lr: number } & RunProgress)
  | { type: 'eval'; step: number; samplesSeen: number; split: 'valid' | 'test'; metrics: MetricValues }
  | { type: 'checkpoint'; step: number; path: string }
  | { type: 'finished'; step: number; test: MetricValues; valid: MetricValues }
  | { type: 'cancelled'; step: number }
  | { type: 'failed'; error: string };

export interface TrainData {
  train: BatchSourceLike;
  valid?: BatchSourceLike;
  test?: BatchSourceLike;
}

export interface RunTrainingOptions {
  onEvent(event: TrainEvent): void;
  signal?: AbortSignal;
  /** Write checkpoints here (every train.checkpointEvery steps, at the end, and when cancelled). */
  checkpointDir?: string;
  /** Continue from this checkpoint file. */
  resumeFrom?: string;
  /** Checkpoints kept in checkpointDir (default 2). */
  keepCheckpoints?: number;
  /** Minimum milliseconds between progress events (default 500; 0: every step). */
  progressIntervalMs?: number;
  /** Batch size for evaluation (default max(train batch, 4096)). */
  evalBatchSize?: number;
  /** Skip backend selection (the caller has set one up). Default: initBackend(job.train.backend). */
  backend?: BackendInfo;
  /** Stop after this many steps in total (testing and benchmarks); the run then ends as 'cancelled'. */
  stopAfterStep?: number;
  /**
   * Train on two threads: the script of the training worker entry (worker.ts bundled), which runs a
   * gradient helper when started with role 'gradient-helper'. Omitted: one thread.
   */
  parallelWorkerScript?: string | URL;
  /** Return the trained model instead of disposing it (the caller disposes it). */
  keepModel?: boolean;
}

export interface TrainResult {
  status: 'finished' | 'cancelled' | 'failed';
  step: number;
  totalSteps: number;
  backend: BackendInfo | null;
  paramCount: number;
  /** Loss of the last training step. */
  lastLoss: number | null;
  valid: MetricValues | null;
  test: MetricValues | null;
  lastCheckpoint: string | null;
  error: string | null;
  /** Only with keepModel. */
  model: CtrModel | null;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function runTraining(job: TrainJob, data: TrainData, opts: RunTrainingOptions): Promise<TrainResult> {
  const result: TrainResult = {
    status: 'failed',
    step: 0,
    totalSteps: 0,
    backend: null,
    paramCount: 0,
    lastLoss: null,
    valid: null,
    test: null,
    lastCheckpoint: null,
    error: null,
    model: null,
  };
  let trainer: ModelTrainer | null = null;
  let stepper: ParallelStepper | null = null;
  try {
    const backend = opts.backend ?? (await initBackend(job.train.backend));
    result.backend = backend;
    const { batchSize, epochs, evalEvery, checkpointEvery, seed } = job.train;
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`batch size must be a positive integer, got ${batchSize}`);
    if (!Number.isInteger(epochs) || epochs <= 0) throw new Error(`epochs must be a positive integer, got ${epochs}`);
    if (data.train.numRows === 0) throw new Error('the training split is empty');
    const stepsPerEpoch = batchesPerEpoch(data.train.numRows, batchSize);
    const totalSteps = stepsPerEpoch * epochs;
    result.totalSteps = totalSteps;

    let position: TrainingPosition = { step: 0, epoch: 0, batchInEpoch: 0, samplesSeen: 0, trainSeconds: 0 };
    if (opts.resumeFrom) {
      const checkpoint = loadCheckpoint(opts.resumeFrom);
      const mismatch = checkpointMismatch(checkpoint.meta.job, job);
      if (mismatch) throw new Error(`cannot resume from ${opts.resumeFrom}: ${mismatch}`);
      trainer = new ModelTrainer(job, { weights: checkpoint.weights, optimizers: checkpoint.optimizers });
      position = checkpoint.meta.position;
    } else {
      trainer = new ModelTrainer(job);
    }
    const active = trainer;
    // webgpu cannot read synchronously in Node: steps, evaluations and checkpoints await their reads.
    const deviceReads = needsAsyncReads();
    // the second thread helps host backends only (wasm runs on one thread; device and tfjs-node
    // backends have their own parallelism)
    const evalBatchSize = opts.evalBatchSize ?? Math.max(batchSize, 4096);
    let threadNote = '';
    if (opts.parallelWorkerScript && (backend.name === 'wasm' || backend.name === 'cpu')) {
      try {
        stepper = await ParallelStepper.start(active, opts.parallelWorkerScript, backend.name, evalBatchSize);
        threadNote = '; each step split over 2 threads (data-parallel)';
      } catch (e) {
        // a second thread is an optimisation: without it the run trains on one, and says why
        threadNote = `; one thread (the second did not start: ${e instanceof Error ? e.message : String(e)})`;
      }
    }
    result.paramCount = active.model.paramCount;
    result.step = position.step;
    const detail = `${backend.detail}${threadNote}`;
    opts.onEvent({ type: 'started', backend: backend.name, detail, paramCount: result.paramCount, totalSteps, resumedFromStep: position.step });

    const progressInterval = opts.progressIntervalMs ?? 500;
    const keep = opts.keepCheckpoints ?? 2;
    const startSeconds = position.trainSeconds;
    const sessionStart = performance.now();
    const stepAtSessionStart = position.step;
    const elapsed = () => startSeconds + (performance.now() - sessionStart) / 1000;

    const writeCheckpoint = async (): Promise<void> => {
      if (!opts.checkpointDir) return;
      if (deviceReads) await prefetchForSyncReads([...active.denseVariables(), ...active.denseOptimizer.stateTensors()]);
      const file = checkpointPath(opts.checkpointDir, position.step);
      saveCheckpoint(file, active, { ...position, trainSeconds: elapsed() }, backend.name);
      pruneCheckpoints(opts.checkpointDir, keep);
      result.lastCheckpoint = file;
      opts.onEvent({ type: 'checkpoint', step: position.step, path: file });
    };
    const evaluate = async (split: 'valid' | 'test'): Promise<MetricValues | null> => {
      const source = data[split];
      if (!source || source.numRows === 0) return null;
      let metrics: MetricValues;
      if (deviceReads) {
        const { predictions, labels } = await predictAllAsync(active.model, source, evalBatchSize);
        metrics = computeMetrics(predictions, labels);
      } else {
        metrics = stepper ? stepper.evaluate(source, evalBatchSize) : active.evaluate(source, evalBatchSize);
      }
      metrics.samplesPerSec = position.samplesSeen > 0 ? position.samplesSeen / Math.max(elapsed(), 1e-9) : null;
      opts.onEvent({ type: 'eval', step: position.step, samplesSeen: position.samplesSeen, split, metrics });
      return metrics;
    };

    let windowLoss = 0;
    let windowSteps = 0;
    let windowSamples = 0;
    let windowStart = performance.now();
    let lastEmit = 0;
    let stopped = false;

    for (let epoch = position.epoch; epoch < epochs && !stopped; epoch++) {
      const startBatch = epoch === position.epoch ? position.batchInEpoch : 0;
      for (const batch of data.train.batches(epoch, batchSize, seed, startBatch)) {
        if (opts.signal?.aborted || (opts.stopAfterStep !== undefined && position.step >= opts.stopAfterStep)) {
          stopped = true;
          break;
        }
        const lr = learningRateAt(position.step, totalSteps, job.optimizer);
        const loss = stepper ? await stepper.step(batch, lr) : deviceReads ? await stepAsync(active, batch, lr) : active.step(batch, lr);
        result.lastLoss = loss;
        position = {
          step: position.step + 1,
          epoch,
          batchInEpoch: position.batchInEpoch + 1,
          samplesSeen: position.samplesSeen + batch.size,
          trainSeconds: 0,
        };
        if (position.batchInEpoch >= stepsPerEpoch) position = { ...position, epoch: epoch + 1, batchInEpoch: 0 };
        result.step = position.step;
        windowLoss += loss;
        windowSteps++;
        windowSamples += batch.size;
        const now = performance.now();
        const last = position.step === totalSteps;
        if (last || now - lastEmit >= progressInterval) {
          const sessionSteps = position.step - stepAtSessionStart;
          const secondsPerStep = (now - sessionStart) / 1000 / Math.max(sessionSteps, 1);
          opts.onEvent({
            type: 'progress',
            step: position.step,
            totalSteps,
            epoch,
            samplesSeen: position.samplesSeen,
            samplesPerSec: windowSamples / Math.max((now - windowStart) / 1000, 1e-9),
            loss: windowLoss / windowSteps,
            lr,
            etaSeconds: sessionSteps > 0 ? (totalSteps - position.step) * secondsPerStep : null,
          });
          windowLoss = 0;
          windowSteps = 0;
          windowSamples = 0;
          windowStart = now;
          lastEmit = now;
        }
        if (evalEvery > 0 && position.step % evalEvery === 0 && !last) await evaluate('valid');
        if (checkpointEvery > 0 && position.step % checkpointEvery === 0 && !last) await writeCheckpoint();
        await yieldToEventLoop();
      }
      if (!stopped && evalEvery === 0 && epoch < epochs - 1) await evaluate('valid');
    }

    if (stopped) {
      if (position.step > stepAtSessionStart) await writeCheckpoint();
      result.status = 'cancelled';
      opts.onEvent({ type: 'cancelled', step: position.step });
    } else {
      await writeCheckpoint();
      result.valid = await evaluate('valid');
      result.test = await evaluate('test');
      result.status = 'finished';
      opts.onEvent({ type: 'finished', step: position.step, valid: result.valid ?? {}, test: result.test ?? {} });
    }
  } catch (e) {
    result.status = 'failed';
    result.error = e instanceof Error ? e.message : String(e);
    opts.onEvent({ type: 'failed', error: result.error });
  } finally {
    if (stepper) await stepper.dispose();
    if (trainer) {
      if (opts.keepModel && result.status !== 'failed') {
        trainer.denseOptimizer.dispose();
        result.model = trainer.model;
      } else {
        trainer.dispose();
      }
    }
  }
  return result;
}

/** numTensors now (for leak checks by callers). */
export function liveTensors(): number {
  return tf.memory().numTensors;
}
