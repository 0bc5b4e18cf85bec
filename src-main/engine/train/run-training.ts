/**
 * Over 400 lines: the training loop with its evaluation, early-stopping, checkpoint and resume paths, which share the loop's state.
 * The training loop: epochs of batches with the learning-rate schedule, progress events, periodic
 * evaluation, early stopping (the best evaluation's model is kept and becomes the final one),
 * checkpoints, cancellation, pausing at a step and resume. Works in-process or inside the training worker.
 */
import * as tf from '@tensorflow/tfjs';
import type { BestStepInfo, MetricValues, ModelSpec, RunProgress, ShardingInput } from '../../domain';
import { initBackend, type BackendInfo } from '../backend';
import type { CtrModel, ModelWeights } from '../model/ctr-model';
import { batchesPerEpoch, type BatchSourceLike } from '../data/batch-source';
import {
  bestCheckpointPath,
  checkpointMismatch,
  checkpointPath,
  loadCheckpoint,
  pruneBestCheckpoints,
  pruneCheckpoints,
  saveCheckpoint,
  type TrainingPosition,
} from './checkpoint';
import { initialEarlyStopState, observeEvaluation, type EarlyStopState } from './early-stopping';
import { ParallelStepper } from './parallel';
import { HybridStepper } from './hybrid';
import { checkPlan, proposePlan } from './sharding-plan';
import { compressedOnGpuNote, isCompressed } from '../model/table-layout';
import { specHasSparseExtras } from '../model/architecture';
import { computeMetrics } from './metrics';
import { needsAsyncReads, predictAllAsync, prefetchForSyncReads, stepAsync } from '../gpu/device-step';
import { gpuStepTrainsTables, startRunSession, type GpuTrainingSession } from '../gpu/dlrm-step/session';
import { learningRateAt } from './schedule';
import { ModelTrainer, type OptimizerStates, type TrainJob } from './trainer';

export type TrainEvent =
  | { type: 'started'; backend: string; detail: string; paramCount: number; totalSteps: number; resumedFromStep: number }
  | ({ type: 'progress'; lr: number } & RunProgress)
  | { type: 'eval'; step: number; samplesSeen: number; split: 'valid' | 'test'; metrics: MetricValues }
  | { type: 'checkpoint'; step: number; path: string }
  /** valid and test: of the kept model (the best evaluation's, with early stopping). */
  | { type: 'finished'; step: number; test: MetricValues; valid: MetricValues; best: BestStepInfo | null }
  | { type: 'cancelled'; step: number }
  | { type: 'failed'; error: string }
  /** Milliseconds per step of each phase on the training thread since the last progress event (hybrid runs, and one-thread host runs). */
  | { type: 'phases'; step: number; workers: number; phases: Record<string, number> };

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
  /**
   * Pause when this many steps are done (a successive-halving rung): evaluate on the validation
   * split there (unless just done), checkpoint, and end as 'cancelled' with `paused` set, so a
   * resume continues exactly. At or past the last step: no pause.
   */
  pauseAtStep?: number;
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
  /** With early stopping: the step the final model comes from, of how many trained. */
  best: BestStepInfo | null;
  /** Ended at opts.pauseAtStep (status 'cancelled'). */
  paused: boolean;
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
    best: null,
    paused: false,
    model: null,
  };
  let trainer: ModelTrainer | null = null;
  let stepper: ParallelStepper | null = null;
  let hybrid: HybridStepper | null = null;
  // one-thread host steps: milliseconds of each phase since the last progress event, and the steps timed
  const phaseTotals = new Map<string, number>();
  let phaseSteps = 0;
  // DLRM on webgpu trains with the WebGPU step (gpu/dlrm-step, no tfjs); the trainer is its host mirror
  let gpuSession: GpuTrainingSession | null = null;
  try {
    const backend = opts.backend ?? (await initBackend(job.train.backend));
    result.backend = backend;
    const compressed = isCompressed(job.model);
    // it pools by sum or mean, but not by max, and runs no sparse MLPs: refuse rather than train another model
    const sparseExtras = job.model.kind === 'dlrm' && specHasSparseExtras(job.model);
    if (sparseExtras && backend.name === 'webgpu' && gpuStepLacks(job.model)) throw new Error(sparseExtrasOnGpuMessage(job.model));
    const { batchSize, epochs, evalEvery, checkpointEvery, seed } = job.train;
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`batch size must be a positive integer, got ${batchSize}`);
    if (!Number.isInteger(epochs) || epochs <= 0) throw new Error(`epochs must be a positive integer, got ${epochs}`);
    if (data.train.numRows === 0) throw new Error('the training split is empty');
    const stepsPerEpoch = batchesPerEpoch(data.train.numRows, batchSize);
    const totalSteps = stepsPerEpoch * epochs;
    result.totalSteps = totalSteps;

    let position: TrainingPosition = { step: 0, epoch: 0, batchInEpoch: 0, samplesSeen: 0, trainSeconds: 0 };
    const stopSpec = job.train.earlyStopping;
    let earlyStop: EarlyStopState = initialEarlyStopState();
    let restored: { weights: ModelWeights; optimizers: OptimizerStates } | null = null;
    if (opts.resumeFrom) {
      const checkpoint = loadCheckpoint(opts.resumeFrom);
      const mismatch = checkpointMismatch(checkpoint.meta.job, job);
      if (mismatch) throw new Error(`cannot resume from ${opts.resumeFrom}: ${mismatch}`);
      restored = { weights: checkpoint.weights, optimizers: checkpoint.optimizers };
      trainer = new ModelTrainer(job, restored);
      position = checkpoint.meta.position;
      if (checkpoint.meta.earlyStop) earlyStop = checkpoint.meta.earlyStop;
    } else {
      trainer = new ModelTrainer(job);
    }
    let active = trainer;
    // the WebGPU step holds full tables on the device, in float32 or (D a multiple of 4) fp16 / bf16
    const onGpuStep = backend.name === 'webgpu' && job.model.kind === 'dlrm' && gpuStepTrainsTables(job.model);
    if (onGpuStep) gpuSession = await startRunSession(job, restored, data.train);
    // the best model of a run without a checkpoint folder (tests, scripts) is kept in memory
    let bestInMemory: { weights: ModelWeights; optimizers: OptimizerStates } | null = null;
    // the best step that the newest periodic checkpoint refers to (a resume goes back to it)
    let checkpointBestStep: number | null = earlyStop.bestStep;
    // webgpu cannot read synchronously in Node: steps, evaluations and checkpoints await their reads.
    const deviceReads = needsAsyncReads();
    // the second thread helps host backends only (wasm runs on one thread; device and tfjs-node
    // backends have their own parallelism)
    const evalBatchSize = opts.evalBatchSize ?? Math.max(batchSize, 4096);
    let threadNote = '';
    // QR and mixed-dimension tables (and 16-bit ones whose D the step cannot pack) are pooled and updated
    // on the host, the MLPs trained on the device by TensorFlow.js (stepAsync), as the other model kinds are
    if (compressed && backend.name === 'webgpu' && !onGpuStep) threadNote = `; ${compressedOnGpuNote(job.model)}`;
    else if (compressed && opts.parallelWorkerScript) threadNote = '; one thread (compressed or half-precision tables train on one)';
    else if (sparseExtras && opts.parallelWorkerScript) threadNote = '; one thread (mean/max pooling and sparse MLPs train on one)';
    else if (opts.parallelWorkerScript && job.train.hybridWorkers && job.model.kind === 'dlrm' && (backend.name === 'wasm' || backend.name === 'cpu')) {
      // hybrid: tables sharded over the workers by the planner, MLPs replicated (hybrid.ts)
      const planInput: ShardingInput = {
        tableSizes: job.tableSizes,
        embeddingDim: job.model.embeddingDim,
        workers: job.train.hybridWorkers,
        batchSize,
        denseParamCount: active.denseVariables().reduce((n, v) => n + v.size, 0),
        denseOptimizer: job.optimizer.dense,
        sparseOptimizer: job.optimizer.sparse,
        ...(job.train.hybridMemoryBudgetBytes !== undefined ? { memoryBudgetBytes: job.train.hybridMemoryBudgetBytes } : {}),
      };
      const planned = proposePlan(planInput);
      // over budget even split by rows: refused with the numbers
      checkPlan(planInput, planned.plan);
      hybrid = await HybridStepper.start(active, planned.plan, opts.parallelWorkerScript, backend.name);
      const perWorker = planned.cost.perWorker.map((c) => c.tables.length).join('/');
      const split = planned.plan.shards.flatMap((s) => (s.kind === 'row' ? [`table ${s.table} split by rows over workers ${s.workers.join('/')}`] : []));
      threadNote = `; hybrid parallel on ${job.train.hybridWorkers} threads (tables per worker ${perWorker}${split.length > 0 ? `; ${split.join(', ')}` : ''}; all-to-all ${Math.round(planned.cost.allToAllBytesPerStep / 1024)} KiB and all-reduce ${Math.round(planned.cost.allReduceBytesPerWorkerPerStep / 1024)} KiB per worker per step)`;
    } else if (opts.parallelWorkerScript && (backend.name === 'wasm' || backend.name === 'cpu')) {
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
    const detail = `${backend.detail}${threadNote}${gpuSession ? `; ${gpuSession.detail()}` : ''}`;
    opts.onEvent({ type: 'started', backend: backend.name, detail, paramCount: result.paramCount, totalSteps, resumedFromStep: position.step });

    const progressInterval = opts.progressIntervalMs ?? 500;
    const keep = opts.keepCheckpoints ?? 2;
    const startSeconds = position.trainSeconds;
    const sessionStart = performance.now();
    const stepAtSessionStart = position.step;
    const elapsed = () => startSeconds + (performance.now() - sessionStart) / 1000;

    const writeCheckpoint = async (): Promise<void> => {
      if (!opts.checkpointDir) return;
      if (hybrid) await hybrid.gather();
      if (gpuSession) await gpuSession.syncToHost(active);
      if (deviceReads) await prefetchForSyncReads([...active.denseVariables(), ...active.denseOptimizer.stateTensors()]);
      const file = checkpointPath(opts.checkpointDir, position.step);
      saveCheckpoint(file, active, { ...position, trainSeconds: elapsed() }, backend.name, stopSpec ? earlyStop : undefined);
      pruneCheckpoints(opts.checkpointDir, keep);
      if (stopSpec) {
        checkpointBestStep = earlyStop.bestStep;
        pruneBestCheckpoints(opts.checkpointDir, [earlyStop.bestStep, checkpointBestStep]);
      }
      result.lastCheckpoint = file;
      opts.onEvent({ type: 'checkpoint', step: position.step, path: file });
    };
    /** Keeps the current model as the best one: a best-<step> file beside the checkpoints, or a copy in memory. */
    const keepBest = async (): Promise<void> => {
      if (gpuSession) await gpuSession.syncToHost(active);
      if (deviceReads) await prefetchForSyncReads([...active.denseVariables(), ...active.denseOptimizer.stateTensors()]);
      if (opts.checkpointDir) {
        saveCheckpoint(bestCheckpointPath(opts.checkpointDir, position.step), active, { ...position, trainSeconds: elapsed() }, backend.name, earlyStop);
        pruneBestCheckpoints(opts.checkpointDir, [earlyStop.bestStep, checkpointBestStep]);
      } else {
        const weights = active.model.weights();
        const states = active.optimizerStates();
        bestInMemory = {
          weights: { tables: weights.tables.map((t) => t.slice()), dense: weights.dense.map((d) => d.slice()) },
          optimizers: { dense: states.dense.map((d) => d.slice()), sparse: states.sparse.map((d) => d.slice()) },
        };
      }
    };
    /** The kept best model, as saved by keepBest. */
    const loadBest = (step: number): { weights: ModelWeights; optimizers: OptimizerStates } => {
      if (opts.checkpointDir) return loadCheckpoint(bestCheckpointPath(opts.checkpointDir, step));
      if (bestInMemory) return bestInMemory;
      throw new Error(`the best model (step ${step}) was kept in a checkpoint folder this run was not given`);
    };
    const evaluate = async (split: 'valid' | 'test', emit = true): Promise<MetricValues | null> => {
      // the tables other hybrid workers own come back to this thread before it scores (or keeps) the model
      if (hybrid) await hybrid.gather();
      const source = data[split];
      if (!source || source.numRows === 0) return null;
      let metrics: MetricValues;
      if (gpuSession) {
        const { predictions, labels } = await gpuSession.predictAll(source, evalBatchSize);
        metrics = computeMetrics(predictions, labels);
      } else if (deviceReads) {
        const { predictions, labels } = await predictAllAsync(active.model, source, evalBatchSize);
        metrics = computeMetrics(predictions, labels);
      } else {
        metrics = stepper ? stepper.evaluate(source, evalBatchSize) : active.evaluate(source, evalBatchSize);
      }
      metrics.samplesPerSec = position.samplesSeen > 0 ? position.samplesSeen / Math.max(elapsed(), 1e-9) : null;
      if (emit) opts.onEvent({ type: 'eval', step: position.step, samplesSeen: position.samplesSeen, split, metrics });
      return metrics;
    };
    let earlyStopped = false;
    // (declared through `as`: assignments in the closures below must not be narrowed away)
    let lastValid = null as { step: number; metrics: MetricValues } | null;
    /**
     * A validation evaluation, fed to early stopping: an improvement keeps the model (not needed
     * for the last evaluation of the run, whose model is the current one), used-up patience stops.
     */
    const validate = async (final = false): Promise<MetricValues | null> => {
      const metrics = await evaluate('valid');
      if (!metrics) return null;
      lastValid = { step: position.step, metrics };
      if (stopSpec) {
        const verdict = observeEvaluation(stopSpec, earlyStop, position.step, metrics);
        earlyStop = verdict.state;
        if (verdict.improved && !final) await keepBest();
        if (verdict.stop) earlyStopped = true;
      }
      return metrics;
    };

    let windowLoss = 0;
    let windowSteps = 0;
    let windowLosses = 0;
    let windowSamples = 0;
    let windowStart = performance.now();
    let lastEmit = 0;
    let stopped = false;

    for (let epoch = position.epoch; epoch < epochs && !stopped && !earlyStopped; epoch++) {
      const startBatch = epoch === position.epoch ? position.batchInEpoch : 0;
      for (const batch of data.train.batches(epoch, batchSize, seed, startBatch)) {
        if (opts.signal?.aborted || (opts.stopAfterStep !== undefined && position.step >= opts.stopAfterStep)) {
          stopped = true;
          break;
        }
        if (opts.pauseAtStep !== undefined && position.step >= opts.pauseAtStep) {
          if (lastValid?.step !== position.step) await validate();
          // patience used up at the pause: the run ends here as early-stopped, not paused
          if (!earlyStopped) {
            stopped = true;
            result.paused = true;
          }
          break;
        }
        const lr = learningRateAt(position.step, totalSteps, job.optimizer);
        let loss = NaN;
        if (gpuSession) await gpuSession.step(batch, lr);
        else if (hybrid) loss = hybrid.step(batch, lr);
        else if (stepper) loss = await stepper.step(batch, lr);
        else if (deviceReads) loss = await stepAsync(active, batch, lr);
        else {
          // one thread on the host: each phase of the step is timed as it ends
          let since = performance.now();
          loss = active.step(batch, lr, (phase) => {
            const now = performance.now();
            phaseTotals.set(phase, (phaseTotals.get(phase) ?? 0) + now - since);
            since = now;
          });
          phaseSteps++;
        }
        position = {
          step: position.step + 1,
          epoch,
          batchInEpoch: position.batchInEpoch + 1,
          samplesSeen: position.samplesSeen + batch.size,
          trainSeconds: 0,
        };
        if (position.batchInEpoch >= stepsPerEpoch) position = { ...position, epoch: epoch + 1, batchInEpoch: 0 };
        result.step = position.step;
        // the device's losses come back a few steps late: the window averages those that have
        const addLosses = (losses: number[]) => {
          for (const x of losses) {
            windowLoss += x;
            windowLosses++;
            result.lastLoss = x;
          }
        };
        addLosses(gpuSession ? gpuSession.readyLosses() : [loss]);
        windowSteps++;
        windowSamples += batch.size;
        const now = performance.now();
        const last = position.step === totalSteps;
        if (last || now - lastEmit >= progressInterval) {
          if (gpuSession && (last || windowLosses === 0)) addLosses(await gpuSession.allLosses());
          const sessionSteps = position.step - stepAtSessionStart;
          const secondsPerStep = (now - sessionStart) / 1000 / Math.max(sessionSteps, 1);
          opts.onEvent({
            type: 'progress',
            step: position.step,
            totalSteps,
            epoch,
            samplesSeen: position.samplesSeen,
            samplesPerSec: windowSamples / Math.max((now - windowStart) / 1000, 1e-9),
            loss: windowLoss / Math.max(windowLosses, 1),
            lr,
            etaSeconds: sessionSteps > 0 ? (totalSteps - position.step) * secondsPerStep : null,
          });
          if (hybrid) opts.onEvent({ type: 'phases', step: position.step, workers: hybrid.plan.workers, phases: { ...hybrid.windowTimings().main } });
          else if (phaseSteps > 0) {
            opts.onEvent({ type: 'phases', step: position.step, workers: 1, phases: Object.fromEntries([...phaseTotals].map(([phase, ms]) => [phase, ms / phaseSteps])) });
            phaseTotals.clear();
            phaseSteps = 0;
          }
          windowLoss = 0;
          windowSteps = 0;
          windowLosses = 0;
          windowSamples = 0;
          windowStart = now;
          lastEmit = now;
        }
        // with early stopping each epoch's end is evaluated too, so every epoch's final model is a candidate
        const epochEnd = position.batchInEpoch === 0;
        if (evalEvery > 0 && !last && (position.step % evalEvery === 0 || (stopSpec !== undefined && epochEnd))) await validate();
        if (checkpointEvery > 0 && position.step % checkpointEvery === 0 && !last) await writeCheckpoint();
        if (earlyStopped) break;
        await yieldToEventLoop();
      }
      if (!stopped && !earlyStopped && evalEvery === 0 && epoch < epochs - 1) await validate();
    }

    if (stopped) {
      if (position.step > stepAtSessionStart) await writeCheckpoint();
      result.status = 'cancelled';
      opts.onEvent({ type: 'cancelled', step: position.step });
    } else {
      // the last evaluation (already done when patience ran out there) counts for early stopping too
      result.valid = lastValid !== null && lastValid.step === position.step ? lastValid.metrics : await validate(true);
      await writeCheckpoint();
      const bestStep = earlyStop.bestStep;
      if (stopSpec && bestStep !== null && earlyStop.bestValue !== null) {
        if (bestStep !== position.step) {
          // the final model is the best evaluation's: rebuilt from its file, evaluated on one thread
          const best = loadBest(bestStep);
          if (stepper) {
            await stepper.dispose();
            stepper = null;
          }
          if (hybrid) {
            await hybrid.dispose();
            hybrid = null;
          }
          // the best model is evaluated on the host mirror's path, not the device's last weights
          gpuSession?.destroy();
          gpuSession = null;
          const bestTrainer = new ModelTrainer(job, best);
          trainer.dispose();
          trainer = bestTrainer;
          active = bestTrainer;
          result.valid = await evaluate('valid', false);
        }
        result.best = {
          metric: stopSpec.metric,
          value: earlyStop.bestValue,
          step: bestStep,
          trainedSteps: position.step,
          totalSteps,
          stoppedEarly: position.step < totalSteps,
        };
      }
      result.test = await evaluate('test');
      result.status = 'finished';
      opts.onEvent({ type: 'finished', step: position.step, valid: result.valid ?? {}, test: result.test ?? {}, best: result.best });
    }
  } catch (e) {
    result.status = 'failed';
    result.error = e instanceof Error ? e.message : String(e);
    opts.onEvent({ type: 'failed', error: result.error });
  } finally {
    if (stepper) await stepper.dispose();
    if (hybrid) await hybrid.dispose();
    if (gpuSession) {
      try {
        if (opts.keepModel && result.status !== 'failed' && trainer) await gpuSession.syncToHost(trainer);
      } catch (e) {
        result.status = 'failed';
        result.error = `reading the model back from the GPU failed: ${e instanceof Error ? e.message : String(e)}`;
      }
      gpuSession.destroy();
    }
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

/** Whether the WebGPU step lacks what the spec asks for (max pooling, sparse MLPs); it pools by sum and mean. */
function gpuStepLacks(spec: Pick<ModelSpec, 'pooling' | 'sparseMlp'>): boolean {
  return spec.pooling === 'max' || (spec.sparseMlp ?? '').trim() !== '';
}

/** Why the WebGPU step refuses a DLRM with max pooling or sparse MLPs. */
export function sparseExtrasOnGpuMessage(spec: Pick<ModelSpec, 'pooling' | 'sparseMlp'>): string {
  const what = [spec.pooling === 'max' ? 'max pooling' : null, (spec.sparseMlp ?? '').trim() !== '' ? `sparse MLP "${spec.sparseMlp}"` : null].filter((x) => x !== null).join(' and ');
  return `${what}: the WebGPU DLRM step pools by sum or mean without sparse MLPs; choose another backend (wasm, cpu, tensorflow) or leave pooling / sparseMlp out`;
}
