/**
 * Over 400 lines: both sides of the hybrid step protocol (coordinator and shard worker), so the exchange order reads in one place.
 * Hybrid parallel training on N threads, the strategy of the DLRM paper: the embedding tables are
 * sharded over the workers (model parallel; each table whole on the worker a ShardingPlan names, or
 * split by row ranges over several, each holder with the row-wise optimizer state of its rows), the
 * MLPs are replicated (data parallel).
 *
 * One step of a global batch of B rows, worker w taking the MLP work of the slice b_w (sliceSizes):
 *   lookup      each worker pools its own tables (or row ranges) for ALL B rows into the shared
 *               buffer `pooled`, laid out [S, maxB, D] with one block per holding S (a whole table,
 *               or one row range of a split table; table-major, a table's holdings in plan order);
 *               a row range's block is the partial sum of the bag's values that fall in its rows;
 *   all-to-all  after a barrier, each worker reads its slice of every holding's block, adding a split
 *               table's partial sums in plan order (sum pooling: the pooled vector is their sum):
 *               the butterfly exchange, done by reading shared memory instead of sending messages;
 *   MLPs        bottom MLP, interaction, top MLP, loss and their backward on the slice (the model's
 *               explicit backward, which marks where each part ends), with the loss scaled by b_w / B so the slices add up to the mean;
 *   all-to-all  each worker writes the gradient of its slice's pooled vectors into `pooledGradient`
 *               ([F, maxB, D]); after a barrier each holder reads its tables' blocks for all B rows
 *               (the gradient of a pooled sum is the same for every summand, so each row-range
 *               holder takes the gradients of the bag values in its rows);
 *   all-reduce  each worker writes its MLP gradients to its row of `dense`; every worker sums the N
 *               rows in the same order (0..N-1), so the replicas get the same sum bit for bit;
 *   updates     each holder applies the sparse optimizer to its rows; every worker applies the
 *               dense optimizer to its replica.
 * Only the batch travels by message; barriers are Atomics.wait/notify on a shared Int32Array.
 *
 * Each worker measures the time of its phases (input, lookup, all-to-all, bottom MLP, interaction,
 * top MLP with the loss, backward, all-reduce, sparse update, dense update) into a shared Float64Array.
 */
import * as tf from '@tensorflow/tfjs';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { BackendName, ShardingPlan } from '../../domain';
import { initBackend } from '../backend';
import type { Batch } from '../data/types';
import type { CtrModel } from '../model/ctr-model';
import { modelFromWeights } from '../model/models';
import type { SparseRowGradient } from '../model/embedding-tables';
import type { LossPhase } from '../model/ctr-model';
import { specHasSparseExtras } from '../model/architecture';
import { createDenseOptimizer, createSparseOptimizer, type DenseOptimizer, type SparseOptimizer } from './optimizers';
import { sliceSizes } from './sharding-plan';
import { lossAndGradients, sparseRateFactor, type ModelTrainer, type TrainJob } from './trainer';

/** The phases a hybrid step is timed in, in order. */
export const HYBRID_PHASES = ['input', 'lookup', 'allToAll', 'bottomMlp', 'interaction', 'topMlp', 'backward', 'allReduce', 'sparseUpdate', 'denseUpdate'] as const;
export type HybridPhase = (typeof HYBRID_PHASES)[number];
const PHASES = HYBRID_PHASES.length;

/** Control slots: Go (step number), Stop, Failed, then one phase counter per worker. */
const GO = 0;
const STOP = 1;
const FAILED = 2;
const PHASE0 = 3;
const WAIT_LIMIT_MS = 120_000;

interface HybridShared {
  control: Int32Array;
  /** [S, maxB, D]: pooled (partial) sums of every holding for every row of the batch (written by the holders). */
  pooled: Float32Array;
  /** [F, maxB, D]: their gradients (written by the slice owners). */
  pooledGradient: Float32Array;
  /** [N, P]: each worker's MLP gradients, flattened in variables() order. */
  dense: Float32Array;
  /** [N]: each worker's share of the batch loss. */
  losses: Float64Array;
  /** [N, phases]: milliseconds spent in each phase, summed over steps. */
  timings: Float64Array;
  /** [N, 1]: steps each worker has timed. */
  timedSteps: Float64Array;
}

/** workerData of a hybrid worker thread (the training worker entry dispatches on role). */
export interface HybridWorkerData {
  role: 'hybrid-worker';
  worker: number;
  workers: number;
  job: TrainJob;
  backend: BackendName;
  plan: ShardingPlan;
  shared: HybridShared;
  /** The tables (or row ranges) this worker holds (copies), by table index. */
  tables: HeldRows[];
  denseWeights: Float32Array[];
  denseOptimizerState: Float32Array[];
  port: MessagePort;
}

type Order = { kind: 'step'; seq: number; batch: Batch; learningRate: number } | { kind: 'gather'; seq: number };
/** Rows [rowStart, rowStart + data.length / D) of table `table` ([rows, D]), with their row-wise optimizer state ([rows]). */
interface HeldRows {
  table: number;
  rowStart: number;
  data: Float32Array;
  state: Float32Array | null;
}
type WorkerReply = { type: 'ready' } | { type: 'error'; error: string } | { type: 'tables'; tables: HeldRows[]; dense: Float32Array[] };

class Abandoned extends Error {
  constructor() {
    super('another worker of the step stopped');
  }
}

function arrive(control: Int32Array, worker: number, value: number): void {
  Atomics.store(control, PHASE0 + worker, value);
  Atomics.notify(control, PHASE0 + worker);
}

/** Waits until every worker's phase counter is >= target. */
function barrier(control: Int32Array, workers: number, target: number): void {
  const deadline = performance.now() + WAIT_LIMIT_MS;
  for (let w = 0; w < workers; w++) {
    for (;;) {
      const value = Atomics.load(control, PHASE0 + w);
      if (value >= target) break;
      if (Atomics.load(control, FAILED) || Atomics.load(control, STOP)) throw new Abandoned();
      if (performance.now() > deadline) throw new Error(`hybrid worker ${w} did not answer within ${WAIT_LIMIT_MS / 1000} s`);
      Atomics.wait(control, PHASE0 + w, value, 1000);
    }
  }
}

/** One holding of a table: rows [start, end) on `worker`, writing its pooled (partial) sums to block `slot` of `pooled`. */
export interface Holding {
  table: number;
  worker: number;
  start: number;
  end: number;
  slot: number;
}

/**
 * Every table's holdings under a plan, in table order then plan order (the order partial sums are added in).
 * @param tableSizes rows of each table, [F].
 */
export function holdingsOf(plan: ShardingPlan, tableSizes: readonly number[]): Holding[][] {
  let slot = 0;
  return plan.shards.map((shard, f) => {
    const rows = tableSizes[f];
    if (shard.kind === 'table') return [{ table: f, worker: shard.worker, start: 0, end: rows, slot: slot++ }];
    if (shard.rowStarts[0] !== 0 || shard.rowStarts[shard.rowStarts.length - 1] !== rows || shard.rowStarts.length !== shard.workers.length + 1) {
      throw Object.assign(new Error(`table ${f}: the plan's row ranges do not cover its ${rows} rows`), { userFacing: true });
    }
    return shard.workers.map((worker, k) => ({ table: f, worker, start: shard.rowStarts[k], end: shard.rowStarts[k + 1], slot: slot++ }));
  });
}

/** A holding on this worker: `data` row r - base is the table's row r (base 0 when data is the whole table). */
interface HeldPiece {
  holding: Holding;
  data: Float32Array;
  base: number;
}

/** One worker's part of every step (the main thread is worker 0). */
class WorkerStep {
  private readonly offsets: number[] = [0];
  private readonly held: HeldPiece[];
  private readonly F: number;
  private readonly D: number;
  private readonly maxBatch: number;
  private readonly timing: Float64Array;
  private readonly sparseFactor: number;
  private readonly slotOfRow: Int32Array[] = [];

  constructor(
    readonly worker: number,
    readonly workers: number,
    readonly model: CtrModel,
    readonly variables: readonly tf.Variable[],
    /** The tables or row ranges this worker holds. */
    held: HeldPiece[],
    private readonly denseOptimizer: DenseOptimizer,
    private readonly sparseOptimizer: SparseOptimizer,
    optimizer: TrainJob['optimizer'],
    private readonly shared: HybridShared,
    private readonly holdings: readonly Holding[][],
  ) {
    for (const v of variables) this.offsets.push(this.offsets[this.offsets.length - 1] + v.size);
    this.held = held;
    this.F = holdings.length;
    this.D = model.embeddings.dim;
    this.maxBatch = shared.pooledGradient.length / (this.F * this.D);
    this.timing = shared.timings.subarray(worker * PHASES, (worker + 1) * PHASES);
    this.sparseFactor = sparseRateFactor(optimizer);
  }

  private get totalDense(): number {
    return this.offsets[this.offsets.length - 1];
  }

  private time(phase: HybridPhase, since: number): number {
    const now = performance.now();
    this.timing[HYBRID_PHASES.indexOf(phase)] += now - since;
    return now;
  }

  /** Sum-pools this worker's rows of a table for every row of the batch into the holding's block of `pooled` (a partial sum when the table is split). */
  private poolHolding(batch: Batch, piece: HeldPiece): void {
    const { batchSize: B, values, offsets } = batch.sparse;
    const D = this.D;
    const { table: f, start, end, slot } = piece.holding;
    const { data, base } = piece;
    const rows = this.holdings[f][this.holdings[f].length - 1].end;
    const block = this.shared.pooled.subarray(slot * this.maxBatch * D, (slot * this.maxBatch + B) * D);
    block.fill(0);
    for (let b = 0; b < B; b++) {
      const o = b * D;
      for (let k = offsets[f * B + b]; k < offsets[f * B + b + 1]; k++) {
        const row = values[k];
        if (row < 0 || row >= rows || !Number.isInteger(row)) throw new Error(`feature ${f}, batch row ${b}: index ${row} is outside its table of ${rows} rows`);
        if (row < start || row >= end) continue;
        const s = (row - base) * D;
        for (let d = 0; d < D; d++) block[o + d] += data[s + d];
      }
    }
  }

  /** Row gradients of this worker's rows of a table from its block of `pooledGradient` (duplicates summed, rows in first-seen order, indexed as in piece.data). */
  private rowGradients(batch: Batch, piece: HeldPiece): SparseRowGradient {
    const { batchSize: B, values, offsets } = batch.sparse;
    const D = this.D;
    const { table: f, start, end } = piece.holding;
    const slots = (this.slotOfRow[f] ??= new Int32Array(end - start).fill(-1));
    const block = this.shared.pooledGradient.subarray(f * this.maxBatch * D, (f * this.maxBatch + B) * D);
    const count = offsets[f * B + B] - offsets[f * B];
    const rows = new Int32Array(count);
    const grads = new Float32Array(count * D);
    let unique = 0;
    for (let b = 0; b < B; b++) {
      for (let k = offsets[f * B + b]; k < offsets[f * B + b + 1]; k++) {
        const row = values[k];
        if (row < start || row >= end) continue;
        let slot = slots[row - start];
        if (slot < 0) {
          slot = unique++;
          slots[row - start] = slot;
          rows[slot] = row - piece.base;
        }
        const o = slot * D;
        const g = b * D;
        for (let d = 0; d < D; d++) grads[o + d] += block[g + d];
      }
    }
    for (let u = 0; u < unique; u++) slots[rows[u] + piece.base - start] = -1;
    return { rows: rows.subarray(0, unique), values: grads.subarray(0, unique * D) };
  }

  /**
   * The whole step on this worker. `done` is called once it no longer reads the shared buffers.
   * @returns the batch loss (the sum of every worker's share).
   */
  run(seq: number, batch: Batch, learningRate: number, inputSince: number): number {
    const { control } = this.shared;
    const N = this.workers;
    const F = this.F;
    const D = this.D;
    const B = batch.size;
    if (B > this.maxBatch) throw new Error(`a batch of ${B} rows is larger than the ${this.maxBatch} the hybrid workers were built for`);
    let t = this.time('input', inputSince);
    // lookup: this worker's tables for every row
    for (const piece of this.held) this.poolHolding(batch, piece);
    t = this.time('lookup', t);
    arrive(control, this.worker, 3 * seq + 1);
    barrier(control, N, 3 * seq + 1);
    // all-to-all (forward): this worker's slice of every table's block
    const sizes = sliceSizes(B, N);
    let start = 0;
    for (let w = 0; w < this.worker; w++) start += sizes[w];
    const rows = sizes[this.worker];
    const pooled = new Float32Array(rows * F * D);
    for (let f = 0; f < F; f++) {
      this.holdings[f].forEach((holding, k) => {
        const block = this.shared.pooled.subarray((holding.slot * this.maxBatch + start) * D, (holding.slot * this.maxBatch + start + rows) * D);
        if (k === 0) {
          for (let b = 0; b < rows; b++) pooled.set(block.subarray(b * D, (b + 1) * D), (b * F + f) * D);
          return;
        }
        // a split table: add this row range's partial sums, in plan order on every worker
        for (let b = 0; b < rows; b++) {
          const to = (b * F + f) * D;
          for (let d = 0; d < D; d++) pooled[to + d] += block[b * D + d];
        }
      });
    }
    t = this.time('allToAll', t);
    // MLPs forward and backward on the slice
    const I = this.model.numDense;
    const mine = this.shared.dense.subarray(this.worker * this.totalDense, (this.worker + 1) * this.totalDense);
    if (rows === 0) {
      mine.fill(0);
      this.shared.losses[this.worker] = 0;
    } else {
      tf.tidy(() => {
        // the DLRM's explicit backward marks where each part ends; whatever is left counts as backward
        const mark = (phase: LossPhase): void => {
          t = this.time(phase, t);
        };
        const r = lossAndGradients(this.model, this.variables, batch.dense.subarray(start * I, (start + rows) * I), pooled, batch.labels.subarray(start, start + rows), rows, rows / B, mark);
        this.shared.losses[this.worker] = r.loss;
        t = this.time('backward', t);
        r.denseGradients.forEach((g, i) => mine.set(g.dataSync(), this.offsets[i]));
        t = this.time('allReduce', t);
        // all-to-all (backward): the slice's pooled gradients into every table's block
        const grad = r.pooledGradient;
        for (let f = 0; f < F; f++) {
          const block = this.shared.pooledGradient.subarray((f * this.maxBatch + start) * D, (f * this.maxBatch + start + rows) * D);
          for (let b = 0; b < rows; b++) block.set(grad.subarray((b * F + f) * D, (b * F + f + 1) * D), b * D);
        }
        t = this.time('allToAll', t);
      });
    }
    arrive(control, this.worker, 3 * seq + 2);
    barrier(control, N, 3 * seq + 2);
    t = this.time('allToAll', t);
    let loss = 0;
    for (let w = 0; w < N; w++) loss += this.shared.losses[w];
    if (!Number.isFinite(loss)) {
      arrive(control, this.worker, 3 * seq + 3);
      return loss;
    }
    // all-reduce: the same sum, in the same order, on every worker
    const total = this.totalDense;
    const summed = this.variables.map((v, i) => {
      const values = new Float32Array(v.size);
      for (let w = 0; w < N; w++) {
        const from = w * total + this.offsets[i];
        const part = this.shared.dense.subarray(from, from + v.size);
        for (let k = 0; k < values.length; k++) values[k] += part[k];
      }
      return values;
    });
    t = this.time('allReduce', t);
    const rate = learningRate * this.sparseFactor;
    for (const piece of this.held) this.sparseOptimizer.apply(piece.holding.table, piece.data, this.rowGradients(batch, piece), rate);
    t = this.time('sparseUpdate', t);
    arrive(control, this.worker, 3 * seq + 3);
    const tensors = this.variables.map((v, i) => tf.tensor(summed[i], v.shape));
    try {
      this.denseOptimizer.apply(tensors, learningRate);
    } finally {
      tf.dispose(tensors);
    }
    this.time('denseUpdate', t);
    this.shared.timedSteps[this.worker]++;
    return loss;
  }

  /** The rows this worker holds, with their state (on a helper thread: its own copies). */
  heldRows(): HeldRows[] {
    const state = this.sparseOptimizer.state();
    return this.held.map(({ holding, data }) => ({ table: holding.table, rowStart: holding.start, data, state: state.length > 0 ? state[holding.table] : null }));
  }
}

/** Per-phase milliseconds per step of one worker, and of the slowest worker in each phase. */
export interface HybridTimings {
  steps: number;
  /** Worker 0 (the training thread), ms per step by phase. */
  main: Record<HybridPhase, number>;
  /** Each worker's ms per step by phase. */
  perWorker: Record<HybridPhase, number>[];
}

export class HybridStepper {
  private seq = 0;
  private broken: string | null = null;

  private constructor(
    private readonly trainer: ModelTrainer,
    readonly plan: ShardingPlan,
    private readonly tableHoldings: Holding[][],
    private readonly helpers: { worker: Worker; port: MessagePort }[],
    private readonly shared: HybridShared,
    private readonly step0: WorkerStep,
  ) {}

  /**
   * Starts N-1 worker threads (worker 0 is this thread, training with the trainer's model), gives
   * each its tables under the plan, and waits until they are ready. The trainer's own copies of the
   * tables other workers own are stale until gather().
   */
  static async start(trainer: ModelTrainer, plan: ShardingPlan, workerScript: string | URL, backend: BackendName): Promise<HybridStepper> {
    const model = trainer.model;
    const N = plan.workers;
    const F = model.embeddings.numFeatures;
    const D = model.embeddings.dim;
    if (plan.shards.length !== F) throw new Error(`the plan places ${plan.shards.length} tables, the model has ${F}`);
    const holdings = holdingsOf(plan, model.embeddings.tableSizes);
    const slots = holdings.reduce((n, h) => n + h.length, 0);
    if (trainer.job.model.kind !== 'dlrm' || specHasSparseExtras(trainer.job.model)) {
      throw Object.assign(new Error('hybrid training runs DLRMs with sum-pooled tables and no sparse MLPs'), { userFacing: true });
    }
    if (model.embeddings.tableWidths.some((w) => w !== D) || model.embeddings.tables.some((t, f) => t.length !== model.embeddings.tableSizes[f] * D)) {
      throw Object.assign(new Error('hybrid training needs full-width float32 tables (not compressed ones)'), { userFacing: true });
    }
    const variables = trainer.denseVariables();
    const maxBatch = trainer.job.train.batchSize;
    const totalDense = variables.reduce((n, v) => n + v.size, 0);
    const sab = (bytes: number): SharedArrayBuffer => new SharedArrayBuffer(Math.max(8, bytes));
    const shared: HybridShared = {
      control: new Int32Array(sab((PHASE0 + N) * 4)),
      pooled: new Float32Array(sab(slots * maxBatch * D * 4)),
      pooledGradient: new Float32Array(sab(F * maxBatch * D * 4)),
      dense: new Float32Array(sab(N * totalDense * 4)),
      losses: new Float64Array(sab(N * 8)),
      timings: new Float64Array(sab(N * PHASES * 8)),
      timedSteps: new Float64Array(sab(N * 8)),
    };
    const sparseState = trainer.sparseOptimizer.state();
    const denseWeights = variables.map((v) => (v.dataSync() as Float32Array).slice());
    const denseOptimizerState = trainer.denseOptimizer.state();
    const helpers: { worker: Worker; port: MessagePort }[] = [];
    const ready: Promise<WorkerReply>[] = [];
    for (let w = 1; w < N; w++) {
      const { port1, port2 } = new MessageChannel();
      const tables: HeldRows[] = holdings.flat().flatMap((h) =>
        h.worker === w ? [{ table: h.table, rowStart: h.start, data: model.embeddings.tables[h.table].slice(h.start * D, h.end * D), state: sparseState.length > 0 ? sparseState[h.table].slice(h.start, h.end) : null }] : [],
      );
      const data: HybridWorkerData = { role: 'hybrid-worker', worker: w, workers: N, job: trainer.job, backend, plan, shared, tables, denseWeights, denseOptimizerState, port: port2 };
      const worker = new Worker(workerScript, { workerData: data, transferList: [port2, ...tables.flatMap((t) => [t.data.buffer as ArrayBuffer, ...(t.state ? [t.state.buffer as ArrayBuffer] : [])])] });
      helpers.push({ worker, port: port1 });
      ready.push(
        new Promise<WorkerReply>((resolve) => {
          port1.once('message', (m: WorkerReply) => resolve(m));
          worker.once('error', (e) => resolve({ type: 'error', error: e.message }));
          worker.once('exit', (code) => resolve({ type: 'error', error: `hybrid worker ${w} exited (code ${code})` }));
        }),
      );
    }
    // worker 0 trains in the trainer's own (whole) tables and optimizer state, indexed by table row
    const held0 = holdings.flat().flatMap((h) => (h.worker === 0 ? [{ holding: h, data: model.embeddings.tables[h.table], base: 0 }] : []));
    const step0 = new WorkerStep(0, N, model, variables, held0, trainer.denseOptimizer, trainer.sparseOptimizer, trainer.job.optimizer, shared, holdings);
    const stepper = new HybridStepper(trainer, plan, holdings, helpers, shared, step0);
    const replies = await Promise.all(ready);
    const failed = replies.find((r) => r.type === 'error');
    if (failed && failed.type === 'error') {
      await stepper.dispose();
      throw new Error(`a hybrid worker did not start: ${failed.error}`);
    }
    return stepper;
  }

  /** One step on N workers. @returns the batch's mean loss before the update. */
  step(batch: Batch, learningRate: number): number {
    if (this.broken) throw new Error(this.broken);
    const since = performance.now();
    const seq = ++this.seq;
    for (const { port } of this.helpers) port.postMessage({ kind: 'step', seq, batch, learningRate } satisfies Order);
    Atomics.store(this.shared.control, GO, seq);
    Atomics.notify(this.shared.control, GO);
    try {
      const loss = this.step0.run(seq, batch, learningRate, since);
      barrier(this.shared.control, this.plan.workers, 3 * seq + 3);
      if (!Number.isFinite(loss)) throw new Error(`the loss became ${loss} (try a lower learning rate)`);
      return loss;
    } catch (e) {
      this.broken = e instanceof Abandoned ? 'a hybrid worker failed' : e instanceof Error ? e.message : String(e);
      Atomics.store(this.shared.control, STOP, 1);
      Atomics.notify(this.shared.control, GO);
      throw new Error(this.broken);
    }
  }

  /**
   * Copies every worker's tables (and row-wise state) into the trainer's model, and checks that the
   * replicas' MLP weights agree with this thread's bit for bit. Call before evaluating or saving.
   * @returns whether all replicas agreed.
   */
  async gather(): Promise<boolean> {
    if (this.broken) throw new Error(this.broken);
    const seq = ++this.seq;
    const replies = this.helpers.map(
      ({ port }) =>
        new Promise<WorkerReply>((resolve) => {
          port.once('message', (m: WorkerReply) => resolve(m));
        }),
    );
    for (const { port } of this.helpers) port.postMessage({ kind: 'gather', seq } satisfies Order);
    Atomics.store(this.shared.control, GO, seq);
    Atomics.notify(this.shared.control, GO);
    const embeddings = this.trainer.model.embeddings;
    const state = this.trainer.sparseOptimizer.state();
    const mine = this.step0.variables.map((v) => v.dataSync() as Float32Array);
    let agree = true;
    for (const reply of await Promise.all(replies)) {
      if (reply.type === 'error') throw new Error(`hybrid worker: ${reply.error}`);
      if (reply.type !== 'tables') continue;
      for (const t of reply.tables) {
        embeddings.tables[t.table].set(t.data, t.rowStart * embeddings.dim);
        if (t.state && state.length > 0) state[t.table].set(t.state, t.rowStart);
      }
      reply.dense.forEach((d, i) => {
        for (let k = 0; k < d.length; k++) if (!Object.is(d[k], mine[i][k])) agree = false;
      });
    }
    return agree;
  }

  private windowStart: { totals: Float64Array; steps: Float64Array } | null = null;

  /** Milliseconds per step in each phase over the steps since the last call (or the start), worker 0 and every worker. */
  windowTimings(): HybridTimings {
    const totals = this.shared.timings.slice();
    const steps = this.shared.timedSteps.slice();
    const start = this.windowStart ?? { totals: new Float64Array(totals.length), steps: new Float64Array(steps.length) };
    this.windowStart = { totals, steps };
    const perWorker = Array.from({ length: this.plan.workers }, (_, w) => {
      const n = Math.max(1, steps[w] - start.steps[w]);
      return Object.fromEntries(HYBRID_PHASES.map((p, i) => [p, (totals[w * PHASES + i] - start.totals[w * PHASES + i]) / n])) as Record<HybridPhase, number>;
    });
    return { steps: steps[0] - start.steps[0], main: perWorker[0], perWorker };
  }

  /** Milliseconds per step in each phase since the start (worker 0, and every worker). */
  timings(): HybridTimings {
    const perWorker = Array.from({ length: this.plan.workers }, (_, w) => {
      const steps = Math.max(1, this.shared.timedSteps[w]);
      return Object.fromEntries(HYBRID_PHASES.map((p, i) => [p, this.shared.timings[w * PHASES + i] / steps])) as Record<HybridPhase, number>;
    });
    return { steps: this.shared.timedSteps[0], main: perWorker[0], perWorker };
  }

  async dispose(): Promise<void> {
    Atomics.store(this.shared.control, STOP, 1);
    Atomics.notify(this.shared.control, GO);
    for (const { worker, port } of this.helpers) {
      worker.removeAllListeners('exit');
      port.close();
      await worker.terminate();
    }
  }

  /** Each table's holdings (one for a whole table, one per row range of a split one). */
  get holdings(): readonly Holding[][] {
    return this.tableHoldings;
  }
}

/** A hybrid worker thread: builds its MLP replica and its tables, says ready, then runs the steps it is ordered. */
export async function runHybridWorker(data: HybridWorkerData): Promise<void> {
  const { port, shared, job, worker: w } = data;
  const control = shared.control;
  let step: WorkerStep;
  try {
    await initBackend(data.backend);
    const holdings = holdingsOf(data.plan, job.tableSizes);
    const D = job.model.embeddingDim;
    const held: HeldPiece[] = data.tables.map((t) => {
      const holding = holdings[t.table].find((h) => h.worker === w && h.start === t.rowStart);
      if (!holding || t.data.length !== (holding.end - holding.start) * D) throw new Error(`worker ${w} was given rows of table ${t.table} from ${t.rowStart} that the plan does not place on it`);
      return { holding, data: t.data, base: holding.start };
    });
    // the replica's own embedding tables are one-row stand-ins: this worker pools from `held` itself
    const standInSizes = job.tableSizes.map(() => 1);
    const model = modelFromWeights(job.model, standInSizes, { tables: standInSizes.map(() => new Float32Array(D)), dense: data.denseWeights }, { numDense: job.numDense });
    const variables = model.variables();
    const denseOptimizer = createDenseOptimizer(job.optimizer.dense, variables, job.optimizer.weightDecay ?? 0);
    denseOptimizer.setState(data.denseOptimizerState);
    // optimizer state only for the rows this worker holds (indexed from the start of its range)
    const ownedSizes = job.tableSizes.map((_, f) => {
      const mine = held.find((p) => p.holding.table === f);
      return mine ? mine.holding.end - mine.holding.start : 1;
    });
    const sparseOptimizer = createSparseOptimizer(job.optimizer.sparse, ownedSizes, D, job.optimizer.weightDecay ?? 0);
    if (job.optimizer.sparse === 'rowwise-adagrad') {
      const state = sparseOptimizer.state();
      for (const t of data.tables) if (t.state) state[t.table].set(t.state);
    }
    step = new WorkerStep(w, data.workers, model, variables, held, denseOptimizer, sparseOptimizer, job.optimizer, shared, holdings);
    port.postMessage({ type: 'ready' } satisfies WorkerReply);
  } catch (e) {
    port.postMessage({ type: 'error', error: e instanceof Error ? e.message : String(e) } satisfies WorkerReply);
    return;
  }
  let seq = 0;
  for (;;) {
    Atomics.wait(control, GO, seq);
    if (Atomics.load(control, STOP)) return;
    const since = performance.now();
    const order = receiveMessageOnPort(port)?.message as Order | undefined;
    if (!order) continue;
    seq = order.seq;
    try {
      if (order.kind === 'gather') {
        const owned = step.heldRows();
        port.postMessage({ type: 'tables', tables: owned.map((t) => ({ table: t.table, rowStart: t.rowStart, data: t.data.slice(), state: t.state ? t.state.slice() : null })), dense: step.variables.map((v) => (v.dataSync() as Float32Array).slice()) } satisfies WorkerReply);
        continue;
      }
      step.run(seq, order.batch, order.learningRate, since);
    } catch (e) {
      if (e instanceof Abandoned) return;
      port.postMessage({ type: 'error', error: e instanceof Error ? e.message : String(e) } satisfies WorkerReply);
      Atomics.store(control, FAILED, 1);
      Atomics.notify(control, PHASE0 + w);
      return;
    }
  }
}
