/**
 * Data-parallel training steps on two threads. The wasm backend runs on one thread, so the second
 * core is used by a helper worker thread with its own tfjs backend and its own copy of the dense weights:
 * every step the batch is pooled here, the second half of the rows (pooled vectors, dense features,
 * labels) and the current MLP weights go to the helper, both halves compute their loss share
 * (mean over the whole batch) and gradients at the same time, the dense gradients are summed in a
 * fixed order and applied here, and the sparse update runs here on the whole batch.
 *
 * Deterministic for a seed and exactly resumable, but not bit-identical to the one-thread step
 * (the batch sums are split in two, which changes float32 rounding).
 */
import * as tf from '@tensorflow/tfjs';
import { Worker, type MessagePort } from 'node:worker_threads';
import type { BackendName } from '../../service/contract';
import { initBackend } from '../backend';
import type { Batch } from '../data/types';
import { createModel } from '../model/models';
import { lossAndGradients, type ModelTrainer, type TrainJob } from './trainer';

/** workerData of a gradient helper (the training worker entry dispatches on role). */
export interface GradientHelperData {
  role: 'gradient-helper';
  job: TrainJob;
  backend: BackendName;
}

interface GradientRequest {
  type: 'gradients';
  weights: Float32Array[];
  dense: Float32Array;
  pooled: Float32Array;
  labels: Float32Array;
  rows: number;
  lossScale: number;
}

type HelperReply =
  | { type: 'ready' }
  | { type: 'gradients'; loss: number; pooledGradient: Float32Array; denseGradients: Float32Array[]; backend: string; millis: number }
  | { type: 'error'; error: string };

export class ParallelStepper {
  private pending: ((reply: HelperReply) => void) | null = null;
  private failure: string | null = null;
  /** Diagnostics: the helper's backend and compute time of the last step. */
  helperBackend = '';
  lastHelperMillis = 0;

  private constructor(
    private readonly trainer: ModelTrainer,
    private readonly worker: Worker,
  ) {
    worker.on('message', (reply: HelperReply) => this.pending?.(reply));
    worker.on('error', (e) => this.fail(`gradient helper crashed: ${e.message}`));
    worker.on('exit', (code) => this.fail(`gradient helper exited (code ${code})`));
  }

  private fail(message: string): void {
    this.failure ??= message;
    this.pending?.({ type: 'error', error: message });
  }

  private nextReply(): Promise<HelperReply> {
    if (this.failure) return Promise.resolve({ type: 'error', error: this.failure });
    return new Promise((resolve) => {
      this.pending = (reply) => {
        this.pending = null;
        resolve(reply);
      };
    });
  }

  /**
   * Starts the helper thread and waits until its backend and model are ready.
   * @param workerScript the bundled training worker entry (it runs the helper when workerData.role says so).
   */
  static async start(trainer: ModelTrainer, workerScript: string | URL, backend: BackendName): Promise<ParallelStepper> {
    const data: GradientHelperData = { role: 'gradient-helper', job: trainer.job, backend };
    const stepper = new ParallelStepper(trainer, new Worker(workerScript, { workerData: data }));
    const reply = await stepper.nextReply();
    if (reply.type !== 'ready') {
      await stepper.dispose();
      throw new Error(reply.type === 'error' ? reply.error : 'gradient helper did not start');
    }
    return stepper;
  }

  /** One step on two threads. @returns the batch's mean loss before the update. */
  async step(batch: Batch, learningRate: number): Promise<number> {
    const B = batch.size;
    if (B < 2) return this.trainer.step(batch, learningRate);
    const model = this.trainer.model;
    const I = model.numDense;
    // T tables of width W (F and D for DLRM)
    const F = model.embeddings.numFeatures;
    const D = model.embeddings.dim;
    const head = Math.ceil(B / 2);
    const tail = B - head;
    const pooled = model.embeddings.pool(model.sparseInput(batch));
    const variables = this.trainer.denseVariables();
    const request: GradientRequest = {
      type: 'gradients',
      weights: variables.map((v) => (v.dataSync() as Float32Array).slice()),
      dense: batch.dense.slice(head * I, B * I),
      pooled: pooled.slice(head * F * D),
      labels: batch.labels.slice(head, B),
      rows: tail,
      lossScale: tail / B,
    };
    const replyPromise = this.nextReply();
    this.worker.postMessage(request, [...request.weights, request.dense, request.pooled, request.labels].map((a) => a.buffer as ArrayBuffer));
    // typed arrays are assigned out of the tidy, never returned through it (see model/tidy-values.ts)
    const local = { loss: 0, pooledGradient: new Float32Array(0), denseGradients: [] as tf.Tensor[] };
    tf.tidy(() => {
      const r = lossAndGradients(this.trainer.model, variables, batch.dense.subarray(0, head * I), pooled.subarray(0, head * F * D), batch.labels.subarray(0, head), head, head / B);
      local.loss = r.loss.dataSync()[0];
      local.pooledGradient = (r.pooledGradient.dataSync() as Float32Array).slice();
      local.denseGradients = r.denseGradients.map((g) => tf.keep(g));
    });
    const reply = await replyPromise;
    try {
      if (reply.type !== 'gradients') throw new Error(reply.type === 'error' ? reply.error : 'unexpected reply from the gradient helper');
      this.lastHelperMillis = reply.millis;
      this.helperBackend = reply.backend;
      const loss = local.loss + reply.loss;
      if (!Number.isFinite(loss)) throw new Error(`the loss became ${loss} (try a lower learning rate)`);
      tf.tidy(() => {
        const summed = local.denseGradients.map((g, i) => tf.add(g, tf.tensor(reply.denseGradients[i], g.shape)));
        this.trainer.denseOptimizer.apply(summed, learningRate);
      });
      const pooledGradient = new Float32Array(B * F * D);
      pooledGradient.set(local.pooledGradient, 0);
      pooledGradient.set(reply.pooledGradient, head * F * D);
      this.trainer.applySparse(batch, pooledGradient, learningRate);
      return loss;
    } finally {
      tf.dispose(local.denseGradients);
    }
  }

  async dispose(): Promise<void> {
    this.pending = null;
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

/** The helper thread's loop: answers gradient requests with its own backend and MLP copy. */
export async function runGradientHelper(port: MessagePort, data: GradientHelperData): Promise<void> {
  try {
    const info = await initBackend(data.backend);
    const job = data.job;
    // the helper never touches embedding tables: one-row placeholders keep its memory small
    const model = createModel(job.model, job.tableSizes.map(() => 1), 0, { numDense: job.numDense });
    const variables = model.variables();
    port.on('message', (request: GradientRequest) => {
      try {
        const started = performance.now();
        let reply: HelperReply & { type: 'gradients' } = { type: 'gradients', loss: 0, pooledGradient: new Float32Array(0), denseGradients: [], backend: '', millis: 0 };
        tf.tidy(() => {
          variables.forEach((v, i) => v.assign(tf.tensor(request.weights[i], v.shape)));
          const r = lossAndGradients(model, variables, request.dense, request.pooled, request.labels, request.rows, request.lossScale);
          reply = {
            type: 'gradients',
            loss: r.loss.dataSync()[0],
            pooledGradient: (r.pooledGradient.dataSync() as Float32Array).slice(),
            denseGradients: r.denseGradients.map((g) => (g.dataSync() as Float32Array).slice()),
            backend: info.detail,
            millis: performance.now() - started,
          };
        });
        port.postMessage(reply satisfies HelperReply, [reply.pooledGradient.buffer as ArrayBuffer, ...reply.denseGradients.map((g) => g.buffer as ArrayBuffer)]);
      } catch (e) {
        port.postMessage({ type: 'error', error: e instanceof Error ? e.message : String(e) } satisfies HelperReply);
      }
    });
    port.postMessage({ type: 'ready' } satisfies HelperReply);
  } catch (e) {
    port.postMessage({ type: 'error', error: e instanceof Error ? e.message : String(e) } satisfies HelperReply);
  }
}
