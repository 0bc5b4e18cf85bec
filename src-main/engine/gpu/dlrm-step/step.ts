/**
 * Over 400 lines: one trainer owns every GPU buffer, pipeline and bind group of a step; split, they would all be passed between files.
 * The whole DLRM training step on WebGPU, no TensorFlow.js: GpuDlrmTrainer owns every buffer,
 * pipeline and bind group of one model at one batch size (made once), and a step is one command
 * encoder and one submit of ~20 dispatches:
 *   pool (every table, one kernel) -> bottom MLP forward -> interaction -> top MLP forward -> loss
 *   -> top backward (weight gradients by batch slice with the bias fused; input gradients with the
 *   ReLU derivative) -> interaction backward -> bottom backward -> dense optimizer (one dispatch over
 *   the packed weights) -> table backward fused with the sparse optimizer (in place).
 * Inputs go up with writeBuffer into a two-slot ring; the per-step numbers (learning rates, rows,
 * loss slot) are in a small uniform of the slot; everything else the kernels need is baked into their
 * code or their bind groups once. Losses land in a device log that is copied out every
 * `lossReadEvery` steps and read asynchronously; a step waits only when the device is two logs behind.
 *
 * Takes a GPUDevice: nothing here depends on Node (see ../device.ts for getting one through Dawn).
 * Shapes: B batch (device batch Bp = B rounded up to 4), I dense features, F tables, D dim,
 * W interaction width, P packed MLP weights, S weight-gradient slices, L lookups of a batch.
 */
import type { OptimizerKind, OptimizerSpec } from '../../../domain';
import type { Batch } from '../../data/types';
import type { DlrmArchitecture } from '../../model/architecture';
import type { ModelWeights } from '../../model/ctr-model';
import {
  chunkGroups,
  chunkRows,
  LookupPlanner,
  poolKernel,
  sparseUpdateKernel,
  tableLayout,
  type LookupPlan,
  type Pooling,
  type TableLayout,
} from './embedding-bags';
import type { TableStorage } from './table-storage';
import { decodeBits, encodeBits } from '../../model/compressed-embedding';
import {
  GPU_BLOCKING,
  forwardInvocations,
  forwardKernel,
  inputGradientInvocations,
  inputGradientKernel,
  weightGradientInvocations,
  weightGradientKernel,
  transposeInvocations,
  transposeKernel,
  transposedInputGradientInvocations,
  transposedInputGradientKernel,
  transposedLayout,
  type DenseBlocking,
  type LayerSlot,
  type TransposedLayout,
} from './dense-layers';
import { ADAM_BETA1, ADAM_BETA2, denseOptimizerKernel, packedLayout, packWeights, stateBufferCount, unpackWeights, type PackedLayout } from './dense-optimizer';
import { interactionBackwardKernel, interactionForwardKernel, interactionInvocations, interactionWidth, type InteractionShape } from './interaction';
import { lossKernel } from './loss';
import { GpuResources, readBuffer, roundUp, workgroupsFor, type BufferCounts, type Kernel } from './resources';

/** The optimizer states in the CPU path's checkpoint format (train/optimizers.ts state()). */
export interface GpuOptimizerStates {
  /** sgd: []; adagrad: one accumulator per variable; adam: first moments, second moments, then [t]. */
  dense: Float32Array[];
  /** sgd: []; row-wise adagrad: one accumulator per row of each table. */
  sparse: Float32Array[];
}

export interface GpuDlrmOptions {
  arch: DlrmArchitecture;
  /** Rows of each table, [F]. */
  tableSizes: readonly number[];
  /** B: the most rows a step or prediction takes (smaller batches are padded). */
  batchSize: number;
  optimizer: Pick<OptimizerSpec, 'dense' | 'sparse' | 'learningRate' | 'sparseLearningRate' | 'weightDecay'>;
  /** Bag pooling (default sum, as the CPU path). */
  pooling?: Pooling;
  /** Bytes per table chunk buffer (default: the device's maxStorageBufferBindingSize). */
  maxChunkBytes?: number;
  /** Steps between loss read-backs (default 32). */
  lossReadEvery?: number;
  /** Weight-gradient batch slices S (default: by batch size and the binding limit). */
  weightGradientSlices?: number;
  /** Register blocks of the dense kernels (default GPU_BLOCKING; denseBlockingFor() picks by adapter). */
  blocking?: DenseBlocking;
  /** How table numbers are stored (default f32; fp16 / bf16 need D a multiple of 4). */
  tableStorage?: TableStorage;
}

/** One line per kernel of a profiled step. */
export interface KernelTiming {
  name: string;
  ms: number;
}

/** The uniform of a ring slot (32 bytes), written with the slot's inputs. */
const PARAMS_STRUCT = /* wgsl */ `
struct StepParams {
  denseLr: f32,
  sparseLr: f32,
  adamStepSize: f32,
  adamSqrtCorrection2: f32,
  rows: u32,
  invRows: f32,
  uniqueCount: u32,
  lossSlot: u32,
}`;
const PARAMS_BYTES = 32;
const SLOTS = 2;

interface Slot {
  dense: GPUBuffer;
  labels: GPUBuffer;
  params: GPUBuffer;
  values: GPUBuffer;
  offsets: GPUBuffer;
  uniqueRows: GPUBuffer;
  segmentStart: GPUBuffer;
  segmentBag: GPUBuffer;
}

interface Dispatch {
  kernel: Kernel;
  /** One bind group per ring slot. */
  bindGroups: GPUBindGroup[];
  workgroups: [number, number];
  /** Part of the forward pass (run by predict as well). */
  forward: boolean;
}

/** A staging buffer for the loss log: free while `done` is null. */
interface LossRead {
  staging: GPUBuffer;
  done: Promise<void> | null;
}

/** Table learning rate / dense learning rate (as train/trainer.ts sparseRateFactor). */
function sparseFactor(optimizer: GpuDlrmOptions['optimizer']): number {
  const sparse = optimizer.sparseLearningRate;
  if (sparse === undefined) return 1;
  if (!(sparse > 0) || !Number.isFinite(sparse)) throw new Error(`sparse learning rate must be a positive number, got ${sparse}`);
  return sparse / optimizer.learningRate;
}

export class GpuDlrmTrainer {
  readonly resources: GpuResources;
  readonly tables: TableLayout;
  readonly packed: PackedLayout;
  /** Bp. */
  readonly deviceBatch: number;
  readonly slices: number;
  readonly lossReadEvery: number;
  /** The dense kernels' register blocks. */
  readonly blocking: DenseBlocking;
  private readonly F: number;
  private readonly D: number;
  private readonly I: number;
  private readonly W: number;
  private readonly denseKind: OptimizerKind;
  private readonly sparseKind: OptimizerSpec['sparse'];
  private readonly sparseRate: number;
  private readonly planner: LookupPlanner;
  private readonly kernels = new Map<string, Kernel>();
  // device state
  private readonly tableChunks: GPUBuffer[] = [];
  private readonly accumChunks: GPUBuffer[] = [];
  private readonly weights: GPUBuffer;
  /** W^T of every layer (only with blocking.transposedInputGradient), remade after each forward. */
  private readonly weightsT: GPUBuffer | null = null;
  private readonly transposed: TransposedLayout | null = null;
  private readonly partial: GPUBuffer;
  private readonly denseState: GPUBuffer[] = [];
  // activations and gradients
  private readonly pooled: GPUBuffer;
  private readonly bottomOut: GPUBuffer[];
  private readonly topOut: GPUBuffer[];
  private readonly bottomGrad: GPUBuffer[];
  private readonly topGrad: GPUBuffer[];
  private readonly interactionOut: GPUBuffer;
  private readonly interactionGrad: GPUBuffer;
  private readonly pooledGrad: GPUBuffer;
  private readonly lossLog: GPUBuffer;
  private readonly lossReads: LossRead[];
  private readonly logitStaging: GPUBuffer;
  private readonly slots: Slot[] = [];
  private lookupCapacity: number;
  private dispatches: Dispatch[] = [];
  // host scratch
  private readonly hostDense: Float32Array;
  private readonly hostLabels: Float32Array;
  private readonly hostParams = new ArrayBuffer(PARAMS_BYTES);
  // step bookkeeping
  private steps = 0;
  private adamSteps = 0;
  private nextLossRead = 0;
  /** Losses read back and not yet taken, by first step. */
  private readonly lossBlocks: { firstStep: number; values: Float32Array }[] = [];
  private lossesFrom = 0;
  private destroyed = false;

  private constructor(
    readonly device: GPUDevice,
    readonly options: GpuDlrmOptions,
  ) {
    const { arch, tableSizes, batchSize } = options;
    if (arch.bottomSizes.length < 2) throw new Error('the WebGPU step needs a bottom MLP (at least one layer)');
    if (tableSizes.length !== arch.numFeatures) throw new Error(`got ${tableSizes.length} table sizes for ${arch.numFeatures} categorical features`);
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`batch size must be a positive integer, got ${batchSize}`);
    this.resources = new GpuResources(device);
    this.F = arch.numFeatures;
    this.D = arch.embeddingDim;
    this.I = arch.numDense;
    this.deviceBatch = roundUp(batchSize, 4);
    const Bp = this.deviceBatch;
    const shape = this.interactionShape();
    this.W = interactionWidth(shape);
    this.denseKind = options.optimizer.dense;
    this.sparseKind = options.optimizer.sparse;
    this.sparseRate = sparseFactor(options.optimizer);
    this.lossReadEvery = options.lossReadEvery ?? 32;
    this.blocking = options.blocking ?? GPU_BLOCKING;
    const limits = device.limits;
    const bindingCap = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
    const maxChunkBytes = Math.min(options.maxChunkBytes ?? bindingCap, bindingCap);
    const adagrad = this.sparseKind === 'rowwise-adagrad';
    // the sparse update binds its chunks (twice with adagrad) plus 4 index/gradient buffers (+ offsets)
    const otherBuffers = 4 + (options.pooling === 'mean' ? 1 : 0);
    const perGroup = Math.floor((limits.maxStorageBuffersPerShaderStage - otherBuffers) / (adagrad ? 2 : 1));
    if (perGroup < 1) throw new Error(`the adapter allows only ${limits.maxStorageBuffersPerShaderStage} storage buffers per kernel`);
    this.tables = tableLayout(tableSizes, this.D, maxChunkBytes, perGroup, options.tableStorage ?? 'f32');
    this.packed = packedLayout([
      { sizes: arch.bottomSizes, lastLinear: false },
      { sizes: arch.topSizes, lastLinear: true },
    ]);
    const P = this.packed.size;
    const bySize = Math.max(1, Math.min(16, Math.floor(Bp / 256)));
    this.slices = Math.max(1, Math.min(options.weightGradientSlices ?? bySize, Math.floor(bindingCap / (P * 4)), Bp / 4));
    this.planner = new LookupPlanner(this.tables, Bp);
    this.lookupCapacity = Bp * this.F;

    checkSizes(this, bindingCap);
    const r = this.resources;
    this.weights = r.storage('mlp weights', P * 4);
    if (this.blocking.transposedInputGradient) {
      this.transposed = transposedLayout(this.packed.layers);
      this.weightsT = r.storage('mlp weights transposed', this.transposed.size * 4);
    }
    this.partial = r.storage('weight gradient slices', this.slices * P * 4);
    for (let i = 0; i < stateBufferCount(this.denseKind); i++) this.denseState.push(r.storage(`dense optimizer state ${i}`, P * 4));
    const { bottomSizes, topSizes } = arch;
    this.pooled = r.storage('pooled', Bp * this.F * this.D * 4);
    this.pooledGrad = r.storage('pooled gradient', Bp * this.F * this.D * 4);
    this.bottomOut = bottomSizes.slice(1).map((n, l) => r.storage(`bottom.${l} out`, Bp * n * 4));
    this.bottomGrad = bottomSizes.slice(1).map((n, l) => r.storage(`bottom.${l} dz`, Bp * n * 4));
    this.topOut = topSizes.slice(1).map((n, l) => r.storage(`top.${l} out`, Bp * n * 4));
    this.topGrad = topSizes.slice(1).map((n, l) => r.storage(`top.${l} dz`, Bp * n * 4));
    this.interactionOut = r.storage('interaction out', Bp * this.W * 4);
    this.interactionGrad = r.storage('interaction gradient', Bp * this.W * 4);
    this.lossLog = r.storage('loss log', this.lossReadEvery * 4);
    this.lossReads = Array.from({ length: 2 }, (_, i) => ({
      staging: r.buffer(`loss staging ${i}`, this.lossReadEvery * 4, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST),
      done: null,
    }));
    this.logitStaging = r.buffer('logit staging', Bp * 4, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
    for (let s = 0; s < SLOTS; s++) {
      this.slots.push({
        dense: r.storage(`slot ${s} dense`, Bp * this.I * 4),
        labels: r.storage(`slot ${s} labels`, Bp * 4),
        params: r.buffer(`slot ${s} params`, PARAMS_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
        offsets: r.storage(`slot ${s} offsets`, (this.F * Bp + 1) * 4),
        ...this.indexBuffers(s),
      });
    }
    this.hostDense = new Float32Array(Bp * this.I);
    this.hostLabels = new Float32Array(Bp);
  }

  /**
   * Builds a trainer on `device` from weights in the CPU path's format (Dlrm.weights(): F tables
   * [R_f, D] and the MLP arrays in variables() order), with optimizer state when resuming.
   * @throws Error naming the buffer and its bytes when the model does not fit the adapter.
   */
  static async create(device: GPUDevice, options: GpuDlrmOptions, weights: ModelWeights, states?: GpuOptimizerStates): Promise<GpuDlrmTrainer> {
    device.pushErrorScope('out-of-memory');
    let made: GpuDlrmTrainer | null = null;
    try {
      made = new GpuDlrmTrainer(device, options);
    } finally {
      const oom = await device.popErrorScope();
      if (oom && made) {
        made.destroy();
        throw new Error(`the adapter ran out of memory allocating the model (${describeTables(made.tables)}): ${oom.message}`);
      }
    }
    const trainer = made;
    try {
      await trainer.allocateTables();
      await trainer.compile();
      device.pushErrorScope('validation');
      trainer.buildDispatches();
      trainer.writeWeights(weights);
      if (states) trainer.writeOptimizerStates(states);
      const invalid = await device.popErrorScope();
      if (invalid) throw new Error(`WebGPU rejected the step's setup: ${invalid.message}`);
      return trainer;
    } catch (e) {
      trainer.destroy();
      throw e;
    }
  }

  get stepCount(): number {
    return this.steps;
  }

  bufferCounts(): BufferCounts {
    return this.resources.counts();
  }

  /**
   * Enqueues one training step (nothing is read back). Resolves at once unless the device is two
   * loss logs behind, then when it catches up.
   * Await each step before the next.
   * @param learningRate the dense rate of this step (the tables get it times the sparse factor).
   * @throws when an index is outside its table or the batch is larger than the device batch.
   */
  async step(batch: Batch, learningRate: number): Promise<void> {
    this.checkAlive();
    const lossSlot = this.steps - this.nextLossRead;
    const read = lossSlot + 1 === this.lossReadEvery ? await this.freeLossRead() : null;
    // planned and uploaded with no await in between: the planner's arrays are reused by the next call
    const slotIndex = this.steps % SLOTS;
    const plan = this.planner.plan(batch.sparse);
    if (this.denseKind === 'adam') this.adamSteps++;
    this.upload(slotIndex, batch, plan, learningRate, lossSlot);
    const encoder = this.device.createCommandEncoder({ label: `step ${this.steps}` });
    const pass = encoder.beginComputePass();
    for (const d of this.dispatches) {
      pass.setPipeline(d.kernel.pipeline);
      pass.setBindGroup(0, d.bindGroups[slotIndex]);
      pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1]);
    }
    pass.end();
    if (read) encoder.copyBufferToBuffer(this.lossLog, 0, read.staging, 0, this.lossReadEvery * 4);
    this.device.queue.submit([encoder.finish()]);
    this.steps++;
    if (read) this.startLossRead(read, this.nextLossRead, this.lossReadEvery);
  }

  /**
   * Every loss since the last call (or since training began), in step order, once the device has
   * computed them. Reads the partly filled loss log too.
   * @throws when a loss is not finite (naming the step).
   */
  async takeLosses(): Promise<number[]> {
    this.checkAlive();
    await this.flushLosses();
    this.lossBlocks.sort((a, b) => a.firstStep - b.firstStep);
    const result: number[] = [];
    for (const block of this.lossBlocks.splice(0)) for (const x of block.values) result.push(x);
    const first = this.lossesFrom;
    this.lossesFrom += result.length;
    const bad = result.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new Error(`the loss became ${result[bad]} at step ${first + bad + 1} (try a lower learning rate)`);
    return result;
  }

  /** Copies out the partly filled loss log and waits for every read in flight. */
  private async flushLosses(): Promise<void> {
    const pending = this.steps - this.nextLossRead;
    if (pending > 0) {
      const read = await this.freeLossRead();
      const encoder = this.device.createCommandEncoder({ label: 'loss log' });
      encoder.copyBufferToBuffer(this.lossLog, 0, read.staging, 0, pending * 4);
      this.device.queue.submit([encoder.finish()]);
      this.startLossRead(read, this.nextLossRead, pending);
    }
    for (const read of this.lossReads) if (read.done) await read.done;
  }

  /** Click probabilities of a batch of any size (forward only, on the device). */
  async predict(batch: Batch): Promise<Float32Array> {
    this.checkAlive();
    const n = batch.size;
    const out = new Float32Array(n);
    for (let start = 0; start < n; start += this.deviceBatch) {
      const part = start === 0 && n <= this.deviceBatch ? batch : sliceBatch(batch, start, Math.min(n, start + this.deviceBatch));
      const slotIndex = this.steps % SLOTS;
      const plan = this.planner.plan(part.sparse);
      this.upload(slotIndex, part, plan, 0, 0);
      const encoder = this.device.createCommandEncoder({ label: 'predict' });
      const pass = encoder.beginComputePass();
      for (const d of this.dispatches) {
        if (!d.forward) continue;
        pass.setPipeline(d.kernel.pipeline);
        pass.setBindGroup(0, d.bindGroups[slotIndex]);
        pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1]);
      }
      pass.end();
      encoder.copyBufferToBuffer(this.topOut[this.topOut.length - 1], 0, this.logitStaging, 0, this.deviceBatch * 4);
      this.device.queue.submit([encoder.finish()]);
      await this.logitStaging.mapAsync(GPUMapMode.READ);
      const logits = new Float32Array(this.logitStaging.getMappedRange(0, this.deviceBatch * 4));
      for (let b = 0; b < part.size; b++) out[start + b] = 1 / (1 + Math.exp(-logits[b]));
      this.logitStaging.unmap();
    }
    return out;
  }

  /**
   * Losses already read back (never waits), in step order; the rest come with a later call or
   * with takeLosses().
   * @throws when a loss is not finite (naming the step).
   */
  takeReadyLosses(): number[] {
    this.checkAlive();
    this.lossBlocks.sort((a, b) => a.firstStep - b.firstStep);
    const result: number[] = [];
    // only a run of blocks that continues the losses already taken
    while (this.lossBlocks.length > 0 && this.lossBlocks[0].firstStep === this.lossesFrom + result.length) {
      for (const x of this.lossBlocks.shift()?.values ?? []) result.push(x);
    }
    const first = this.lossesFrom;
    this.lossesFrom += result.length;
    const bad = result.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new Error(`the loss became ${result[bad]} at step ${first + bad + 1} (try a lower learning rate)`);
    return result;
  }

  /**
   * Runs one step with a timestamp around each kernel (the device must have been created with the
   * 'timestamp-query' feature) and returns each kernel's time. The step trains like any other,
   * unless `apply` is false: then the optimizer kernels are left out (nothing changes; their times
   * are missing) and the step is not counted.
   */
  async profileStep(batch: Batch, learningRate: number, apply = true): Promise<KernelTiming[]> {
    this.checkAlive();
    if (!this.device.features.has('timestamp-query')) throw new Error("the device was created without the 'timestamp-query' feature");
    const dispatches = apply ? this.dispatches : this.dispatches.filter((d) => !isOptimizer(d.kernel.name));
    const count = dispatches.length;
    const r = this.resources;
    const querySet = this.device.createQuerySet({ type: 'timestamp', count: 2 * count });
    const resolved = r.buffer('timestamps', 16 * count, GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC);
    try {
      await this.flushLosses();
      const slotIndex = this.steps % SLOTS;
      const plan = this.planner.plan(batch.sparse);
      if (this.denseKind === 'adam' && apply) this.adamSteps++;
      this.upload(slotIndex, batch, plan, learningRate, 0);
      const encoder = this.device.createCommandEncoder({ label: 'profiled step' });
      dispatches.forEach((d, i) => {
        const pass = encoder.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
        pass.setPipeline(d.kernel.pipeline);
        pass.setBindGroup(0, d.bindGroups[slotIndex]);
        pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1]);
        pass.end();
      });
      encoder.resolveQuerySet(querySet, 0, 2 * count, resolved, 0);
      this.device.queue.submit([encoder.finish()]);
      // a counted step's loss is in slot 0 of the log, read with the next partial log; a dry one's is overwritten
      if (apply) this.steps++;
      const bytes = await readBuffer(r, resolved, 16 * count);
      const times = new BigUint64Array(bytes);
      return dispatches.map((d, i) => ({ name: d.kernel.name, ms: Number(times[2 * i + 1] - times[2 * i]) / 1e6 }));
    } finally {
      r.destroy(resolved);
      querySet.destroy();
    }
  }

  /** The weights in the CPU path's format (tables [R_f, D] each, MLP arrays in variables() order). */
  async readWeights(): Promise<ModelWeights> {
    const storage = this.tables.storage;
    const tables = storage === 'f32' ? await this.readRows(this.tableChunks, this.D, Float32Array) : (await this.readTableBits()).map((bits) => decodeBits(bits, storage));
    return { tables, dense: await this.readDenseWeights() };
  }

  /** The MLP arrays in variables() order. */
  async readDenseWeights(): Promise<Float32Array[]> {
    this.checkAlive();
    return unpackWeights(this.packed, new Float32Array(await readBuffer(this.resources, this.weights, this.packed.size * 4)));
  }

  /** Float32 tables: each table [R_f, D] as stored. */
  readTables(): Promise<Float32Array[]> {
    if (this.tables.storage !== 'f32') throw new Error(`the tables are stored as ${this.tables.storage}, not float32`);
    return this.readRows(this.tableChunks, this.D, Float32Array);
  }

  /** 16-bit tables: each table's stored bits [R_f, D], as the host's HalfPrecisionBags keeps them. */
  readTableBits(): Promise<Uint16Array[]> {
    if (this.tables.storage === 'f32') throw new Error('the tables are stored as float32, not in 16 bits');
    return this.readRows(this.tableChunks, this.D, Uint16Array);
  }

  writeWeights(weights: ModelWeights): void {
    this.checkAlive();
    const { tableSizes } = this.tables;
    if (weights.tables.length !== tableSizes.length) throw new Error(`got ${weights.tables.length} tables for ${tableSizes.length}`);
    weights.tables.forEach((t, f) => {
      if (t.length !== tableSizes[f] * this.D) throw new Error(`table ${f}: expected ${tableSizes[f]}x${this.D} floats, got ${t.length}`);
    });
    if (this.tables.storage === 'f32') this.writeRows(this.tableChunks, this.D, weights.tables);
    else {
      // rounded to nearest even, as HalfPrecisionBags rounds (exact for numbers that came from 16 bits)
      const storage = this.tables.storage;
      this.writeRows(this.tableChunks, this.D, weights.tables.map((t) => encodeBits(t, storage)));
    }
    this.device.queue.writeBuffer(this.weights, 0, packWeights(this.packed, weights.dense));
  }

  /** Optimizer state in the CPU path's checkpoint format (see GpuOptimizerStates). */
  async readOptimizerStates(): Promise<GpuOptimizerStates> {
    this.checkAlive();
    const dense: Float32Array[] = [];
    const perState = await Promise.all(this.denseState.map(async (b) => unpackWeights(this.packed, new Float32Array(await readBuffer(this.resources, b, this.packed.size * 4)))));
    for (const arrays of perState) dense.push(...arrays);
    if (this.denseKind === 'adam') dense.push(Float32Array.of(this.adamSteps));
    const sparse = this.sparseKind === 'rowwise-adagrad' ? await this.readRows(this.accumChunks, 1, Float32Array) : [];
    return { dense, sparse };
  }

  writeOptimizerStates(states: GpuOptimizerStates): void {
    this.checkAlive();
    const n = 2 * this.packed.layers.length;
    const count = stateBufferCount(this.denseKind);
    const expected = count * n + (this.denseKind === 'adam' ? 1 : 0);
    if (states.dense.length !== expected) throw new Error(`${this.denseKind}: expected ${expected} dense state arrays, got ${states.dense.length}`);
    for (let i = 0; i < count; i++) this.device.queue.writeBuffer(this.denseState[i], 0, packWeights(this.packed, states.dense.slice(i * n, (i + 1) * n)));
    if (this.denseKind === 'adam') this.adamSteps = states.dense[expected - 1][0];
    if (this.sparseKind === 'rowwise-adagrad') {
      const sizes = this.tables.tableSizes;
      if (states.sparse.length !== sizes.length) throw new Error(`row-wise adagrad: expected ${sizes.length} tables of state, got ${states.sparse.length}`);
      states.sparse.forEach((s, f) => {
        if (s.length !== sizes[f]) throw new Error(`row-wise adagrad: table ${f} state has ${s.length} rows, expected ${sizes[f]}`);
      });
      this.writeRows(this.accumChunks, 1, states.sparse);
    } else if (states.sparse.length !== 0) throw new Error(`sparse sgd has no state, got ${states.sparse.length} arrays`);
  }

  /** Frees every buffer (the trainer is unusable afterwards). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const read of this.lossReads) if (read.staging.mapState === 'mapped') read.staging.unmap();
    this.resources.destroyAll();
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * The table chunks (and row accumulators), each checked for out-of-memory on its own.
   * @throws Error naming the tables whose rows the chunk holds and its bytes.
   */
  private async allocateTables(): Promise<void> {
    const adagrad = this.sparseKind === 'rowwise-adagrad';
    for (let c = 0; c < this.tables.chunks; c++) {
      const rows = chunkRows(this.tables, c);
      const tableBytes = rows * this.D * this.tables.bytesPerValue;
      const bytes = tableBytes + (adagrad ? rows * 4 : 0);
      this.device.pushErrorScope('out-of-memory');
      this.tableChunks.push(this.resources.storage(`table chunk ${c}`, tableBytes));
      if (adagrad) this.accumChunks.push(this.resources.storage(`row accumulators ${c}`, rows * 4));
      const error = await this.device.popErrorScope();
      if (error) {
        const first = c * this.tables.rowsPerChunk;
        const held = this.tables.tableBase
          .map((base, f) => ({ f, from: Math.max(base, first), to: Math.min(base + this.tables.tableSizes[f], first + rows) }))
          .filter((x) => x.to > x.from)
          .map((x) => `table ${x.f} (${x.to - x.from} of its ${this.tables.tableSizes[x.f]} rows)`);
        throw new Error(
          `the GPU ran out of memory at table buffer ${c + 1} of ${this.tables.chunks} (${bytes} bytes: ${held.join(', ')}); ` +
            `the model's tables need ${describeTables(this.tables)}${adagrad ? ' plus 4 bytes a row of accumulators' : ''}: ${error.message}`,
        );
      }
    }
  }

  private checkAlive(): void {
    if (this.destroyed) throw new Error('this GPU trainer was destroyed');
  }

  private interactionShape(): InteractionShape {
    return { kind: this.options.arch.interaction, numFeatures: this.F, dim: this.D, batch: this.deviceBatch };
  }

  private indexBuffers(s: number): Pick<Slot, 'values' | 'uniqueRows' | 'segmentStart' | 'segmentBag'> {
    const r = this.resources;
    const cap = this.lookupCapacity;
    return {
      values: r.storage(`slot ${s} values`, cap * 4),
      uniqueRows: r.storage(`slot ${s} unique rows`, cap * 4),
      segmentStart: r.storage(`slot ${s} segment starts`, (cap + 1) * 4),
      segmentBag: r.storage(`slot ${s} segment bags`, cap * 4),
    };
  }

  /** Grows the lookup buffers of both slots (multi-hot batches larger than any before). */
  private ensureLookupCapacity(lookups: number): void {
    if (lookups <= this.lookupCapacity) return;
    this.lookupCapacity = Math.max(lookups, 2 * this.lookupCapacity);
    this.slots.forEach((slot, s) => {
      for (const b of [slot.values, slot.uniqueRows, slot.segmentStart, slot.segmentBag]) this.resources.destroy(b);
      Object.assign(slot, this.indexBuffers(s));
    });
    this.buildDispatches();
  }

  private upload(slotIndex: number, batch: Batch, plan: LookupPlan, learningRate: number, lossSlot: number): void {
    this.ensureLookupCapacity(plan.lookups);
    const slot = this.slots[slotIndex];
    const q = this.device.queue;
    const n = batch.size;
    this.hostDense.set(batch.dense.subarray(0, n * this.I));
    this.hostDense.fill(0, n * this.I);
    this.hostLabels.set(batch.labels.subarray(0, n));
    this.hostLabels.fill(0, n);
    q.writeBuffer(slot.dense, 0, this.hostDense);
    q.writeBuffer(slot.labels, 0, this.hostLabels);
    q.writeBuffer(slot.offsets, 0, plan.offsets);
    if (plan.lookups > 0) {
      q.writeBuffer(slot.values, 0, plan.values);
      q.writeBuffer(slot.uniqueRows, 0, plan.uniqueRows);
      q.writeBuffer(slot.segmentBag, 0, plan.segmentBag);
    }
    q.writeBuffer(slot.segmentStart, 0, plan.segmentStart);
    const f = new Float32Array(this.hostParams);
    const u = new Uint32Array(this.hostParams);
    const t = Math.max(1, this.adamSteps);
    const correction1 = 1 - Math.pow(ADAM_BETA1, t);
    const correction2 = 1 - Math.pow(ADAM_BETA2, t);
    f[0] = learningRate;
    f[1] = learningRate * this.sparseRate;
    f[2] = learningRate / correction1;
    f[3] = Math.sqrt(correction2);
    u[4] = n;
    f[5] = 1 / Math.max(1, n);
    u[6] = plan.unique;
    u[7] = lossSlot;
    q.writeBuffer(slot.params, 0, this.hostParams);
  }

  /** A free loss staging buffer, waiting for the oldest read when both are in flight. */
  private async freeLossRead(): Promise<LossRead> {
    for (;;) {
      const free = this.lossReads.find((x) => x.done === null);
      if (free) return free;
      await Promise.race(this.lossReads.map((x) => x.done));
    }
  }

  /** Maps a staging buffer holding the losses of steps [firstStep, firstStep + count); the log restarts. */
  private startLossRead(read: LossRead, firstStep: number, count: number): void {
    this.nextLossRead = this.steps;
    read.done = read.staging.mapAsync(GPUMapMode.READ).then(() => {
      this.lossBlocks.push({ firstStep, values: new Float32Array(read.staging.getMappedRange(0, count * 4)).slice() });
      read.staging.unmap();
      read.done = null;
    });
  }

  private async compile(): Promise<void> {
    const { arch } = this.options;
    const Bp = this.deviceBatch;
    const pooling = this.options.pooling ?? 'sum';
    const weightDecay = this.options.optimizer.weightDecay ?? 0;
    const jobs: [string, string][] = [];
    chunkGroups(this.tables).forEach((group, g) => {
      jobs.push([`pool.${g}`, poolKernel(this.tables, group, Bp, pooling, g === 0)]);
      jobs.push([
        `sparse-update.${g}`,
        sparseUpdateKernel(this.tables, group, Bp, { rule: this.sparseKind, pooling, weightDecay, paramsStruct: PARAMS_STRUCT }),
      ]);
    });
    const nBottom = arch.bottomSizes.length - 1;
    this.packed.layers.forEach((layer, l) => {
      const name = l < nBottom ? `bottom.${l}` : `top.${l - nBottom}`;
      const first = l === 0 || l === nBottom;
      jobs.push([`${name}.forward`, forwardKernel(layer, Bp, this.blocking)]);
      jobs.push([`${name}.weight-grad`, weightGradientKernel(layer, Bp, this.slices, this.packed.size, this.blocking)]);
      if (l !== 0 && this.transposed) {
        jobs.push([`${name}.transpose`, transposeKernel(layer, this.transposed.offsets[l])]);
        jobs.push([`${name}.input-grad`, transposedInputGradientKernel(layer, Bp, !first, this.blocking, this.transposed.offsets[l])]);
      } else if (l !== 0) jobs.push([`${name}.input-grad`, inputGradientKernel(layer, Bp, !first, this.blocking)]);
    });
    jobs.push(['interaction.forward', interactionForwardKernel(this.interactionShape())]);
    jobs.push(['interaction.backward', interactionBackwardKernel(this.interactionShape())]);
    jobs.push(['loss', lossKernel(Bp, PARAMS_STRUCT)]);
    jobs.push(['dense-optimizer', denseOptimizerKernel(this.denseKind, this.packed.size, this.slices, weightDecay, PARAMS_STRUCT)]);
    const compiled = await Promise.all(jobs.map(([name, code]) => this.resources.kernel(name, code)));
    for (const k of compiled) this.kernels.set(k.name, k);
  }

  private kernel(name: string): Kernel {
    const k = this.kernels.get(name);
    if (!k) throw new Error(`no kernel ${name}`);
    return k;
  }

  /** The step's dispatches in order, with a bind group per ring slot. */
  private buildDispatches(): void {
    const r = this.resources;
    const { arch } = this.options;
    const Bp = this.deviceBatch;
    const list: Dispatch[] = [];
    const add = (name: string, buffers: (slot: Slot) => GPUBuffer[], invocations: number, forward: boolean) => {
      const kernel = this.kernel(name);
      list.push({ kernel, bindGroups: this.slots.map((slot) => r.bindGroup(kernel, buffers(slot))), workgroups: workgroupsFor(invocations), forward });
    };
    const groups = chunkGroups(this.tables);
    const mean = this.options.pooling === 'mean';
    groups.forEach((group, g) => {
      add(`pool.${g}`, (s) => [...group.map((c) => this.tableChunks[c]), s.values, s.offsets, this.pooled], this.F * Bp, true);
    });
    const nBottom = arch.bottomSizes.length - 1;
    const layers = this.packed.layers;
    const bottom = layers.slice(0, nBottom);
    const top = layers.slice(nBottom);
    const bottomIn = (l: number, s: Slot) => (l === 0 ? s.dense : this.bottomOut[l - 1]);
    const topIn = (l: number) => (l === 0 ? this.interactionOut : this.topOut[l - 1]);
    bottom.forEach((layer, l) => add(`bottom.${l}.forward`, (s) => [bottomIn(l, s), this.weights, this.bottomOut[l]], forwardInvocations(layer, Bp, this.blocking), true));
    const shape = this.interactionShape();
    const bottomLast = this.bottomOut[nBottom - 1];
    add('interaction.forward', () => [bottomLast, this.pooled, this.interactionOut], interactionInvocations(shape), true);
    top.forEach((layer, l) => add(`top.${l}.forward`, () => [topIn(l), this.weights, this.topOut[l]], forwardInvocations(layer, Bp, this.blocking), true));
    // W^T for the input gradients (the weights change only in the optimizer, after the backward)
    const weightsT = this.weightsT;
    if (weightsT) {
      layers.forEach((layer, l) => {
        if (l === 0) return; // the dense input needs no gradient
        const name = l < nBottom ? `bottom.${l}` : `top.${l - nBottom}`;
        add(`${name}.transpose`, () => [this.weights, weightsT], transposeInvocations(layer), false);
      });
    }
    const inputGrad = (layer: LayerSlot) =>
      weightsT ? { weights: weightsT, invocations: transposedInputGradientInvocations(layer, Bp, this.blocking) } : { weights: this.weights, invocations: inputGradientInvocations(layer, Bp, this.blocking) };
    const logits = this.topOut[top.length - 1];
    const dLogits = this.topGrad[top.length - 1];
    add('loss', (s) => [logits, s.labels, dLogits, this.lossLog, s.params], 256, false);
    for (let l = top.length - 1; l >= 0; l--) {
      const layer = top[l];
      add(`top.${l}.weight-grad`, () => [topIn(l), this.topGrad[l], this.partial], weightGradientInvocations(layer, this.slices, this.blocking), false);
      const g = inputGrad(layer);
      if (l > 0) add(`top.${l}.input-grad`, () => [this.topGrad[l], g.weights, topIn(l), this.topGrad[l - 1]], g.invocations, false);
      else add(`top.0.input-grad`, () => [this.topGrad[0], g.weights, this.interactionGrad], g.invocations, false);
    }
    add(
      'interaction.backward',
      () => [bottomLast, ...(arch.interaction === 'cat' ? [] : [this.pooled]), this.interactionGrad, this.bottomGrad[nBottom - 1], this.pooledGrad],
      interactionInvocations(shape),
      false,
    );
    for (let l = bottom.length - 1; l >= 0; l--) {
      const layer = bottom[l];
      add(`bottom.${l}.weight-grad`, (s) => [bottomIn(l, s), this.bottomGrad[l], this.partial], weightGradientInvocations(layer, this.slices, this.blocking), false);
      const g = inputGrad(layer);
      if (l > 0) add(`bottom.${l}.input-grad`, () => [this.bottomGrad[l], g.weights, this.bottomOut[l - 1], this.bottomGrad[l - 1]], g.invocations, false);
    }
    add('dense-optimizer', (s) => [this.weights, this.partial, ...this.denseState, s.params], this.packed.size, false);
    const adagrad = this.sparseKind === 'rowwise-adagrad';
    groups.forEach((group, g) => {
      add(
        `sparse-update.${g}`,
        (s) => [
          ...group.map((c) => this.tableChunks[c]),
          ...(adagrad ? group.map((c) => this.accumChunks[c]) : []),
          s.uniqueRows,
          s.segmentStart,
          s.segmentBag,
          this.pooledGrad,
          ...(mean ? [s.offsets] : []),
          s.params,
        ],
        this.lookupCapacity,
        false,
      );
    });
    this.dispatches = list;
  }

  /** Per table, its rows read from chunked buffers of `width` numbers a row (float32, or 16-bit bits). */
  private async readRows<T extends Float32Array | Uint16Array>(
    chunks: GPUBuffer[],
    width: number,
    kind: { new (length: number): T; new (buffer: ArrayBuffer): T; readonly BYTES_PER_ELEMENT: number },
  ): Promise<T[]> {
    this.checkAlive();
    const size = kind.BYTES_PER_ELEMENT;
    const result: T[] = [];
    for (let f = 0; f < this.tables.tableSizes.length; f++) {
      const out = new kind(this.tables.tableSizes[f] * width);
      for (const piece of this.pieces(f)) {
        const bytes = await readBuffer(this.resources, chunks[piece.chunk], piece.rows * width * size, piece.chunkRow * width * size);
        out.set(new kind(bytes), piece.tableRow * width);
      }
      result.push(out);
    }
    return result;
  }

  private writeRows(chunks: GPUBuffer[], width: number, arrays: readonly (Float32Array | Uint16Array)[]): void {
    arrays.forEach((values, f) => {
      const size = values.BYTES_PER_ELEMENT;
      for (const piece of this.pieces(f)) {
        this.device.queue.writeBuffer(chunks[piece.chunk], piece.chunkRow * width * size, values, piece.tableRow * width, piece.rows * width);
      }
    });
  }

  /** The parts of table f that lie in each chunk. */
  private pieces(f: number): { chunk: number; chunkRow: number; tableRow: number; rows: number }[] {
    const { tableBase, tableSizes, rowsPerChunk } = this.tables;
    const result = [];
    let row = 0;
    while (row < tableSizes[f]) {
      const global = tableBase[f] + row;
      const chunk = Math.floor(global / rowsPerChunk);
      const chunkRow = global - chunk * rowsPerChunk;
      const rows = Math.min(tableSizes[f] - row, rowsPerChunk - chunkRow);
      result.push({ chunk, chunkRow, tableRow: row, rows });
      row += rows;
    }
    return result;
  }
}

function isOptimizer(kernel: string): boolean {
  return kernel === 'dense-optimizer' || kernel.startsWith('sparse-update.');
}

function describeTables(layout: TableLayout): string {
  const rows = layout.totalRows;
  const numbers = layout.storage === 'f32' ? 'floats' : `${layout.storage} numbers`;
  return `${layout.tableSizes.length} tables, ${rows} rows of ${layout.dim} ${numbers} = ${rows * layout.dim * layout.bytesPerValue} bytes in ${layout.chunks} buffer(s)`;
}

/**
 * Every activation buffer must fit one storage binding; says which does not, and by how much.
 * @throws Error naming the buffer, its shape and bytes, and the adapter's limit.
 */
function checkSizes(trainer: GpuDlrmTrainer, bindingCap: number): void {
  const { arch } = trainer.options;
  const Bp = trainer.deviceBatch;
  const F = arch.numFeatures;
  const D = arch.embeddingDim;
  const W = topInputWidthOf(arch);
  const needs: [string, number][] = [
    [`pooled embeddings [${Bp}, ${F}, ${D}]`, Bp * F * D * 4],
    [`interaction output [${Bp}, ${W}]`, Bp * W * 4],
    [`packed MLP weights [${trainer.packed.size}]`, trainer.packed.size * 4],
    ...[...arch.bottomSizes.slice(1), ...arch.topSizes.slice(1)].map((n): [string, number] => [`activations [${Bp}, ${n}]`, Bp * n * 4]),
  ];
  for (const [what, bytes] of needs) {
    if (bytes > bindingCap) throw new Error(`${what} need ${bytes} bytes, more than the adapter's storage binding of ${bindingCap} bytes (use a smaller batch)`);
  }
}

function topInputWidthOf(arch: DlrmArchitecture): number {
  return arch.topSizes[0];
}

/** Rows [start, end) of a batch as a batch of their own. */
export function sliceBatch(batch: Batch, start: number, end: number): Batch {
  const { numFeatures: F, batchSize: B, values, offsets } = batch.sparse;
  const n = end - start;
  const I = batch.dense.length / batch.size;
  const newOffsets = new Int32Array(F * n + 1);
  const parts: Int32Array[] = [];
  let at = 0;
  for (let f = 0; f < F; f++) {
    const from = offsets[f * B + start];
    const to = offsets[f * B + end];
    for (let b = 0; b < n; b++) newOffsets[f * n + b] = at + offsets[f * B + start + b] - from;
    parts.push(values.subarray(from, to));
    at += to - from;
  }
  newOffsets[F * n] = at;
  const newValues = new Int32Array(at);
  let o = 0;
  for (const p of parts) {
    newValues.set(p, o);
    o += p.length;
  }
  return {
    size: n,
    dense: batch.dense.subarray(start * I, end * I),
    labels: batch.labels.subarray(start, end),
    sparse: { numFeatures: F, batchSize: n, values: newValues, offsets: newOffsets },
  };
}
