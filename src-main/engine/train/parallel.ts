/**
 * Over 400 lines: both threads' halves of the two-thread step protocol, so the exchange order reads in one place.
 * Data-parallel training steps on two threads. The wasm backend runs on one thread, so the second
 * core is used by a helper worker thread with its own tfjs backend, as PyTorch's DistributedDataParallel
 * does it with processes: each thread holds a replica of the dense weights and of the dense optimizer
 * state, computes the gradients of its half of the batch, the two gradients are summed (the same sum,
 * bit for bit, on both sides), and both replicas apply the same update, so they never drift apart and
 * no weights cross between threads.
 *
 * The embedding tables (and the row-wise optimizer state) live once, in shared memory: each thread
 * pools its own half of the batch from them, writes the gradient of its pooled rows into a shared
 * [B, T, W] buffer, and after the exchange each thread updates its own share of the tables (even
 * tables here, odd ones in the helper) from the whole batch's gradient, so a row two halves used is
 * updated once with both contributions, as on one thread.
 *
 * Per step, only the batch (a few kilobytes) travels by message; the two sides meet at two barriers
 * on a shared Int32Array (Atomics.wait/notify: microseconds, where a postMessage round trip through
 * the event loop costs a millisecond at batch 128): after the gradients are written, and once each
 * side is done with the shared buffers (before its dense optimizer runs, which needs none of them).
 *
 * Deterministic for a seed and exactly resumable, but not bit-identical to the one-thread step
 * (the batch sums are split in two, which changes float32 rounding).
 */
import * as tf from '@tensorflow/tfjs';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { BackendName, MetricValues } from '../../domain';
import { initBackend } from '../backend';
import { sliceBatch } from '../data/batch';
import type { Batch } from '../data/types';
import type { CtrModel } from '../model/ctr-model';
import { modelFromWeights } from '../model/models';
import { orderedBatches, type BatchSourceLike } from '../data/batch-source';
import { computeMetrics } from './metrics';
import { createDenseOptimizer, createSparseOptimizer, type DenseOptimizer, type SparseOptimizer } from './optimizers';
import { lossAndGradients, sparseRateFactor, type ModelTrainer, type TrainJob } from './trainer';

/** Slots of the control block (an Int32Array on a SharedArrayBuffer). */
const Slot = {
  /** Sequence number of the step the helper should run next (bumped by the main side). */
  Go: 0,
  /** Phase reached by each side: 2 s + 1 once its gradients of step s are written, 2 s + 2 after its updates. */
  MainPhase: 1,
  HelperPhase: 2,
  /** 1 once the helper failed (its message waits on the port). */
  Failed: 3,
  /** 1 when the helper should exit. */
  Stop: 4,
} as const;
type Slot = (typeof Slot)[keyof typeof Slot];

/** How long one side waits for the other before it calls the step lost. */
const WAIT_LIMIT_MS = 120_000;

/** Shared memory of a stepper pair. */
interface SharedBuffers {
  control: Int32Array;
  /** Dense gradients of each side, all variables flattened in order: [2, sum of variable sizes]. */
  gradients: Float32Array;
  /** Gradient of the pooled rows of the whole batch, [maxBatch, T, W]. */
  pooledGradient: Float32Array;
  /** Loss share of each side, [2]. */
  losses: Float64Array;
  /** T tables, [rows_t, W] each. */
  tables: Float32Array[];
  /** The sparse optimizer's state (row-wise accumulators), shared too. */
  sparseState: Float32Array[];
  /** The helper's click probabilities of an evaluation batch, at their row positions, [maxEvalBatch]. */
  predictions: Float32Array;
}

/** workerData of a gradient helper (the training worker entry dispatches on role). */
export interface GradientHelperData {
  role: 'gradient-helper';
  job: TrainJob;
  backend: BackendName;
  shared: SharedBuffers;
  /** Dense weights and dense optimizer state at the start (the helper's replica begins from them). */
  denseWeights: Float32Array[];
  denseOptimizerState: Float32Array[];
  port: MessagePort;
}

/** One step's orders to the helper, or a request for a copy of its dense weights (checks). */
type StepOrder =
  | {
      kind: 'step';
      seq: number;
      batch: Batch;
      /** The main side takes rows [0, head), the helper [head, B). */
      head: number;
      learningRate: number;
    }
  | { kind: 'report'; seq: number }
  /** Click probabilities of rows [head, B) into the shared predictions buffer (evaluation). */
  | { kind: 'predict'; seq: number; batch: Batch; head: number };

/** The helper's first (and, on failure, last) message. */
type HelperStatus = { type: 'ready' } | { type: 'error'; error: string };

/** Waits until control[slot] >= target. @throws after WAIT_LIMIT_MS or when the other side failed or stopped. */
function waitFor(control: Int32Array, slot: Slot, target: number, who: string): void {
  const deadline = performance.now() + WAIT_LIMIT_MS;
  for (;;) {
    const value = Atomics.load(control, slot);
    if (value >= target) return;
    if (Atomics.load(control, Slot.Failed) || Atomics.load(control, Slot.Stop)) throw new StepAbandoned();
    if (performance.now() > deadline) throw new Error(`${who} did not answer within ${WAIT_LIMIT_MS / 1000} s`);
    Atomics.wait(control, slot, value, 1000);
  }
}

function signal(control: Int32Array, slot: Slot, value: number): void {
  Atomics.store(control, slot, value);
  Atomics.notify(control, slot);
}

class StepAbandoned extends Error {
  constructor() {
    super('the other thread of the step stopped');
  }
}

/**
 * The half of a step that each side runs: forward and backward of its rows, exchange, summed dense
 * update, sparse update of the tables this side owns.
 */
class HalfStep {
  private readonly offsets: number[];
  private readonly T: number;
  private readonly W: number;
  /** This side's dense gradients of the current step, kept on the backend until the update. */
  private own: tf.Tensor[] = [];

  constructor(
    private readonly side: 0 | 1,
    readonly model: CtrModel,
    readonly variables: readonly tf.Variable[],
    private readonly denseOptimizer: DenseOptimizer,
    private readonly sparseOptimizer: SparseOptimizer,
    private readonly sparseFactor: number,
    private readonly shared: SharedBuffers,
  ) {
    this.offsets = [0];
    for (const v of variables) this.offsets.push(this.offsets[this.offsets.length - 1] + v.size);
    this.T = model.embeddings.numFeatures;
    this.W = model.embeddings.dim;
  }

  private get totalDense(): number {
    return this.offsets[this.offsets.length - 1];
  }

  /**
   * Phase 1: loss share, pooled-row gradients and dense gradients of this side's rows (side 0 takes
   * [0, head), side 1 [head, B)) into shared memory.
   */
  computeGradients(batch: Batch, head: number): void {
    const B = batch.size;
    const [start, end] = this.side === 0 ? [0, head] : [head, B];
    const rows = end - start;
    const I = this.model.numDense;
    const { gradients, pooledGradient, losses } = this.shared;
    const mine = gradients.subarray(this.side * this.totalDense, (this.side + 1) * this.totalDense);
    tf.dispose(this.own);
    if (rows === 0) {
      mine.fill(0);
      losses[this.side] = 0;
      this.own = this.variables.map((v) => tf.zerosLike(v));
    } else {
      const pooled = this.model.embeddings.poolRows(this.model.sparseInput(batch), start, end);
      this.own = tf.tidy(() => {
        const r = lossAndGradients(this.model, this.variables, batch.dense.subarray(start * I, end * I), pooled, batch.labels.subarray(start, end), rows, rows / B);
        losses[this.side] = r.loss;
        pooledGradient.set(r.pooledGradient, start * this.T * this.W);
        r.denseGradients.forEach((g, i) => mine.set(g.dataSync(), this.offsets[i]));
        return r.denseGradients;
      });
    }
  }

  /**
   * Phase 2, once both sides' gradients are in: the summed dense update (identical on both sides)
   * and the sparse update of this side's tables. `released` is called as soon as this side has
   * finished with the shared buffers (the other side may then start its next step); the dense
   * optimizer runs after it, on tensors of its own. @returns the batch loss (nothing is updated
   * when it is not finite).
   */
  applyUpdates(batch: Batch, learningRate: number, released: () => void): number {
    const { gradients, pooledGradient, losses, tables } = this.shared;
    const loss = losses[0] + losses[1];
    const own = this.own;
    this.own = [];
    let summed: tf.Tensor[] = [];
    try {
      if (!Number.isFinite(loss)) {
        released();
        return loss;
      }
      const otherFrom = (1 - this.side) * this.totalDense;
      // own + other's: float addition is commutative, so both sides get the same sum bit for bit
      // and their replicas stay equal; the sums are computed (and the other's slot read) here
      summed = this.variables.map((v, i) =>
        tf.tidy(() => {
          const from = otherFrom + this.offsets[i];
          return tf.add(own[i], tf.tensor(gradients.subarray(from, from + v.size), v.shape));
        }),
      );
      const sparse = this.model.sparseInput(batch);
      const rate = learningRate * this.sparseFactor;
      for (let t = this.side; t < this.T; t += 2) {
        this.sparseOptimizer.apply(t, tables[t], this.model.embeddings.rowGradientsOf(sparse, pooledGradient, t), rate);
      }
      released();
      this.denseOptimizer.apply(summed, learningRate);
      return loss;
    } finally {
      tf.dispose(own);
      tf.dispose(summed);
    }
  }

  /** Copies this side's dense weights into its gradient slot (for replicasAgree). */
  writeWeights(): void {
    const mine = this.shared.gradients.subarray(this.side * this.totalDense, (this.side + 1) * this.totalDense);
    this.variables.forEach((v, i) => mine.set(v.dataSync(), this.offsets[i]));
  }

  dispose(): void {
    tf.dispose(this.own);
    this.own = [];
  }
}

export class ParallelStepper {
  private seq = 0;
  private broken: string | null = null;

  private constructor(
    private readonly model: CtrModel,
    private readonly worker: Worker,
    private readonly port: MessagePort,
    private readonly shared: SharedBuffers,
    private readonly half: HalfStep,
    private readonly maxBatch: number,
  ) {
    worker.on('error', (e) => {
      this.broken ??= `gradient helper crashed: ${e.message}`;
    });
  }

  /**
   * Starts the helper thread and waits until its backend and replica are ready. Moves the trainer's
   * tables and sparse optimizer state into shared memory (once).
   * @param workerScript the bundled training worker entry (it runs the helper when workerData.role says so).
   * @param maxEvalBatch the largest evaluation batch predictAll() splits (larger ones run here alone).
   */
  static async start(trainer: ModelTrainer, workerScript: string | URL, backend: BackendName, maxEvalBatch = 4096): Promise<ParallelStepper> {
    const model = trainer.model;
    const variables = trainer.denseVariables();
    const maxBatch = trainer.job.train.batchSize;
    const totalDense = variables.reduce((n, v) => n + v.size, 0);
    const shared: SharedBuffers = {
      control: new Int32Array(new SharedArrayBuffer(8 * 4)),
      gradients: new Float32Array(new SharedArrayBuffer(2 * totalDense * 4)),
      pooledGradient: new Float32Array(new SharedArrayBuffer(maxBatch * model.embeddings.numFeatures * model.embeddings.dim * 4)),
      losses: new Float64Array(new SharedArrayBuffer(2 * 8)),
      tables: model.embeddings.shareTables(),
      sparseState: trainer.sparseOptimizer.shareState(),
      predictions: new Float32Array(new SharedArrayBuffer(maxEvalBatch * 4)),
    };
    const { port1, port2 } = new MessageChannel();
    const data: GradientHelperData = {
      role: 'gradient-helper',
      job: trainer.job,
      backend,
      shared,
      denseWeights: variables.map((v) => (v.dataSync() as Float32Array).slice()),
      denseOptimizerState: trainer.denseOptimizer.state(),
      port: port2,
    };
    const worker = new Worker(workerScript, { workerData: data, transferList: [port2] });
    const half = new HalfStep(0, model, variables, trainer.denseOptimizer, trainer.sparseOptimizer, sparseRateFactor(trainer.job.optimizer), shared);
    const stepper = new ParallelStepper(model, worker, port1, shared, half, maxBatch);
    const status = await new Promise<HelperStatus>((resolve) => {
      port1.once('message', (m: HelperStatus) => resolve(m));
      worker.once('error', (e) => resolve({ type: 'error', error: e.message }));
      worker.once('exit', (code) => resolve({ type: 'error', error: `gradient helper exited (code ${code})` }));
    });
    if (status.type !== 'ready') {
      await stepper.dispose();
      throw new Error(`gradient helper did not start: ${status.error}`);
    }
    return stepper;
  }

  /** One step on two threads. @returns the batch's mean loss before the update. */
  async step(batch: Batch, learningRate: number): Promise<number> {
    return this.stepSync(batch, learningRate);
  }

  private stepSync(batch: Batch, learningRate: number): number {
    if (this.broken) throw new Error(this.broken);
    const B = batch.size;
    if (B > this.maxBatch) throw new Error(`a batch of ${B} rows is larger than the ${this.maxBatch} this two-thread stepper was built for`);
    const control = this.shared.control;
    const seq = ++this.seq;
    const head = Math.ceil(B / 2);
    const order: StepOrder = { kind: 'step', seq, batch, head, learningRate };
    this.port.postMessage(order);
    signal(control, Slot.Go, seq);
    try {
      this.half.computeGradients(batch, head);
      signal(control, Slot.MainPhase, 2 * seq + 1);
      waitFor(control, Slot.HelperPhase, 2 * seq + 1, 'the gradient helper');
      const loss = this.half.applyUpdates(batch, learningRate, () => signal(control, Slot.MainPhase, 2 * seq + 2));
      waitFor(control, Slot.HelperPhase, 2 * seq + 2, 'the gradient helper');
      if (!Number.isFinite(loss)) throw new Error(`the loss became ${loss} (try a lower learning rate)`);
      return loss;
    } catch (e) {
      this.abandon(e);
    }
  }

  /** After a failure the replicas can no longer be trusted to agree: this stepper is done. */
  private abandon(e: unknown): never {
    this.broken = this.helperError() ?? (e instanceof Error ? e.message : String(e));
    signal(this.shared.control, Slot.Stop, 1);
    throw new Error(this.broken);
  }

  /**
   * Click probabilities and labels of every row of a source, in stored order, each batch split over
   * the two replicas (which hold the same weights). Batches larger than maxEvalBatch, or of one row,
   * are scored here alone.
   */
  predictAll(source: BatchSourceLike, batchSize: number): { predictions: Float32Array; labels: Float32Array } {
    if (this.broken) throw new Error(this.broken);
    const predictions = new Float32Array(source.numRows);
    const labels = new Float32Array(source.numRows);
    const control = this.shared.control;
    let at = 0;
    for (const batch of orderedBatches(source, batchSize)) {
      const B = batch.size;
      if (B < 2 || B > this.shared.predictions.length) {
        predictions.set(this.model.predict(batch), at);
      } else {
        const head = Math.ceil(B / 2);
        const seq = ++this.seq;
        this.port.postMessage({ kind: 'predict', seq, batch, head } satisfies StepOrder);
        signal(control, Slot.Go, seq);
        try {
          predictions.set(this.model.predict(sliceBatch(batch, 0, head)), at);
          signal(control, Slot.MainPhase, 2 * seq + 2);
          waitFor(control, Slot.HelperPhase, 2 * seq + 2, 'the gradient helper');
        } catch (e) {
          this.abandon(e);
        }
        predictions.set(this.shared.predictions.subarray(head, B), at + head);
      }
      labels.set(batch.labels, at);
      at += B;
    }
    return { predictions: predictions.subarray(0, at), labels: labels.subarray(0, at) };
  }

  /** The metrics of a source (as ModelTrainer.evaluate), scored on both threads. */
  evaluate(source: BatchSourceLike, batchSize: number): MetricValues {
    const { predictions, labels } = this.predictAll(source, batchSize);
    return computeMetrics(predictions, labels);
  }

  /**
   * Whether the helper's replica of the dense weights equals this side's bit for bit (it should,
   * always: both apply the same update to the same weights). For tests and checks; costs a copy.
   */
  replicasAgree(): boolean {
    if (this.broken) throw new Error(this.broken);
    const control = this.shared.control;
    const seq = ++this.seq;
    this.port.postMessage({ kind: 'report', seq } satisfies StepOrder);
    signal(control, Slot.Go, seq);
    signal(control, Slot.MainPhase, 2 * seq + 2);
    waitFor(control, Slot.HelperPhase, 2 * seq + 2, 'the gradient helper');
    const total = this.shared.gradients.length / 2;
    const theirs = this.shared.gradients.subarray(total);
    let at = 0;
    for (const v of this.half.variables) {
      const mine = v.dataSync();
      for (let k = 0; k < mine.length; k++) if (!Object.is(mine[k], theirs[at + k])) return false;
      at += mine.length;
    }
    return true;
  }

  private helperError(): string | null {
    if (!Atomics.load(this.shared.control, Slot.Failed)) return null;
    const m = receiveMessageOnPort(this.port)?.message as HelperStatus | undefined;
    return m?.type === 'error' ? `gradient helper: ${m.error}` : 'the gradient helper failed';
  }

  async dispose(): Promise<void> {
    this.half.dispose();
    signal(this.shared.control, Slot.Stop, 1);
    Atomics.notify(this.shared.control, Slot.Go);
    this.worker.removeAllListeners('exit');
    this.port.close();
    await this.worker.terminate();
  }
}

/**
 * The helper thread: builds its replica over the shared tables, says ready, then runs steps as the
 * control block orders them (blocking in Atomics.wait between steps) until told to stop.
 */
export async function runGradientHelper(_parentPort: MessagePort, data: GradientHelperData): Promise<void> {
  const { port, shared, job } = data;
  const control = shared.control;
  let half: HalfStep;
  try {
    await initBackend(data.backend);
    const model = modelFromWeights(job.model, job.tableSizes, { tables: shared.tables, dense: data.denseWeights }, { numDense: job.numDense });
    // the replica pools from and updates the shared tables themselves
    shared.tables.forEach((t, f) => {
      model.embeddings.tables[f] = t;
    });
    const variables = model.variables();
    const denseOptimizer = createDenseOptimizer(job.optimizer.dense, variables, job.optimizer.weightDecay ?? 0);
    denseOptimizer.setState(data.denseOptimizerState);
    const sparseOptimizer = createSparseOptimizer(job.optimizer.sparse, model.embeddings.tableSizes, model.embeddings.dim, job.optimizer.weightDecay ?? 0);
    sparseOptimizer.adoptState(shared.sparseState);
    half = new HalfStep(1, model, variables, denseOptimizer, sparseOptimizer, sparseRateFactor(job.optimizer), shared);
    port.postMessage({ type: 'ready' } satisfies HelperStatus);
  } catch (e) {
    port.postMessage({ type: 'error', error: e instanceof Error ? e.message : String(e) } satisfies HelperStatus);
    return;
  }
  let seq = 0;
  for (;;) {
    Atomics.wait(control, Slot.Go, seq);
    if (Atomics.load(control, Slot.Stop)) return;
    const order = receiveMessageOnPort(port)?.message as StepOrder | undefined;
    if (!order) continue;
    seq = order.seq;
    try {
      if (order.kind === 'report') {
        half.writeWeights();
        signal(control, Slot.HelperPhase, 2 * seq + 2);
        continue;
      }
      if (order.kind === 'predict') {
        shared.predictions.set(half.model.predict(sliceBatch(order.batch, order.head, order.batch.size)), order.head);
        signal(control, Slot.HelperPhase, 2 * seq + 2);
        continue;
      }
      half.computeGradients(order.batch, order.head);
      signal(control, Slot.HelperPhase, 2 * seq + 1);
      waitFor(control, Slot.MainPhase, 2 * seq + 1, 'the training thread');
      half.applyUpdates(order.batch, order.learningRate, () => signal(control, Slot.HelperPhase, 2 * seq + 2));
      waitFor(control, Slot.MainPhase, 2 * seq + 2, 'the training thread');
    } catch (e) {
      if (e instanceof StepAbandoned) return;
      port.postMessage({ type: 'error', error: e instanceof Error ? e.message : String(e) } satisfies HelperStatus);
      signal(control, Slot.Failed, 1);
      return;
    }
  }
}
