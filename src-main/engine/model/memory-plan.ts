/**
 * The memory planner (issue #15): where a run's bytes go, counted from the spec before anything is
 * allocated, and whether they fit the machine (and, on the GPU path, whether a step's largest
 * buffer fits the adapter's limits). Pure:
 * the machine's numbers come in as arguments.
 *
 * What is counted, in bytes:
 * - each table's stored parts (table-layout.ts) at 4 bytes a value (2 for fp16 / bf16);
 * - the sparse optimizer's state: row-wise Adagrad keeps one float32 a stored row, SGD nothing;
 * - the row-gradient scratch a table makes on its first backward: one int32 a stored row;
 * - the dense parameters (float32) and the dense optimizer's state (Adagrad 1x, Adam 2x, SGD 0);
 * - activations at batch B (an estimate of the host step's buffers): the batch itself (I dense, one
 *   label, F indices and F offsets a row) plus, forward and backward, the pooled rows [B, T, W], the
 *   MLP layers' outputs, the interaction vectors [B, V, D] and the top MLP's input;
 * - the dataset: 157 bytes a row in the binary cache on disk (label 1, dense 13 x 4, categorical
 *   26 x 4), and the same per row held in memory (all rows for synthetic data, read chunks for files).
 */
import { formatBytes, type HashCollisionPlan, type MemoryLimit, type MemoryPlan, type ModelSpec, type OptimizerSpec, type TableBytes } from '../../domain';

export { formatBytes };
import { DEFAULT_NUM_DENSE, DEFAULT_NUM_FEATURES, largestDeviceBuffer } from './architecture';
import { denseParameterCount, resolveModel, tableFeatures, tableWidth, type ModelArchitecture } from './model-spec';
import { collidingShare, expectedOccupiedRows } from './hash-collisions';
import { bytesPerValue, compressionErrors, tableParts, tableRowCount, tableValueCount } from './table-layout';

/** Bytes of one row in the binary cache (label u8 + 13 float32 + 26 int32). */
export const CACHE_BYTES_PER_ROW = 1 + DEFAULT_NUM_DENSE * 4 + DEFAULT_NUM_FEATURES * 4;

export interface MemoryPlanInput {
  spec: ModelSpec;
  /** Without it, no optimizer state is counted. */
  optimizer?: OptimizerSpec;
  batchSize: number;
  /** Logical rows of each categorical feature's table, [F] (default: hashSize for each of 26). */
  featureTableSizes?: readonly number[];
  /** I (default 13). */
  numDense?: number;
  /** Rows of the whole dataset (for the cache on disk); null when unknown. */
  datasetRows: number | null;
  /** Rows held in memory while training (all of them for in-memory data, a chunk or two for cached files); null when unknown. */
  residentRows: number | null;
  /** The machine's memory: os.totalmem() and os.freemem(). */
  machine: { totalBytes: number; freeBytes: number };
  /**
   * On the GPU path: the adapter's limits, held against the largest buffer one step binds (an
   * activation at the batch size; tables are split over buffers of at most one binding, or stay on
   * the host when compressed).
   */
  gpuLimits?: { maxBufferSize: number; maxStorageBufferBindingSize: number } | null;
  /** [F] distinct values of each categorical feature: with them the plan gives hashing's expected collisions. */
  featureDistinctValues?: readonly number[];
}

/**
 * Hashing's expected collisions per table (hash-collisions.ts): n distinct values hashed uniformly
 * into a table's logical rows m. Tables of the spec only (a feature without a table has none).
 */
function planCollisions(distinctValues: readonly number[], featureRows: readonly number[], features: readonly number[]): HashCollisionPlan {
  const tables = features.map((feature) => {
    const distinct = distinctValues[feature];
    const rows = featureRows[feature];
    return { feature, distinct, rows, occupiedRows: expectedOccupiedRows(distinct, rows), collidingShare: collidingShare(distinct, rows) };
  });
  const totalDistinct = tables.reduce((s, t) => s + t.distinct, 0);
  const colliding = tables.reduce((s, t) => s + t.collidingShare * t.distinct, 0);
  return { tables, collidingShare: totalDistinct > 0 ? colliding / totalDistinct : 0 };
}

/** Floats of activations (and their gradients) of one batch row of a resolved model. */
function activationFloatsPerRow(arch: ModelArchitecture, T: number, W: number): number {
  // the batch itself: dense features, the label, an index and an offset per feature
  const input = arch.numDense + 1 + 2 * arch.numFeatures;
  const pooled = T * W;
  let layers = 0;
  if (arch.kind === 'dlrm') {
    const V = arch.numFeatures + 1;
    layers = arch.bottomSizes.slice(1).reduce((a, b) => a + b, 0) + V * arch.embeddingDim + arch.topSizes.reduce((a, b) => a + b, 0);
  } else if (arch.kind === 'dcn') {
    layers = (arch.crossLayers + 1) * arch.deepSizes[0] + arch.deepSizes.slice(1).reduce((a, b) => a + b, 0);
  }
  // forward values and their gradients
  return input + 2 * (pooled + layers);
}

/**
 * The plan of a spec: bytes of each part and whether they fit.
 * @throws when the spec is invalid (the message lists every problem).
 */
export function planMemory(input: MemoryPlanInput): MemoryPlan {
  const { spec, optimizer, batchSize, machine } = input;
  const numFeatures = input.featureTableSizes?.length ?? DEFAULT_NUM_FEATURES;
  const { arch, errors } = resolveModel(spec, { numDense: input.numDense, numFeatures });
  errors.push(...compressionErrors(spec));
  if (!Number.isInteger(batchSize) || batchSize <= 0) errors.push(`batch size must be a positive integer, got ${batchSize}`);
  const distinctValues = input.featureDistinctValues;
  if (distinctValues && distinctValues.length !== numFeatures) errors.push(`featureDistinctValues needs ${numFeatures} counts (one a feature), got ${distinctValues.length}`);
  distinctValues?.forEach((n, f) => {
    if (!Number.isInteger(n) || n < 0) errors.push(`featureDistinctValues[${f}] (C${f + 1}) must be a non-negative integer, got ${n}`);
  });
  if (!arch || errors.length > 0) throw new Error(`cannot plan an invalid model: ${errors.join('; ')}`);
  const featureRows = input.featureTableSizes ?? Array.from({ length: numFeatures }, () => spec.hashSize);
  const W = tableWidth(arch);
  const valueBytes = bytesPerValue(spec.tablePrecision);
  const rowWise = optimizer?.sparse === 'rowwise-adagrad';
  const features = tableFeatures(arch);
  const tables: TableBytes[] = features.map((feature) => {
    const rows = featureRows[feature];
    const parts = arch.kind === 'dlrm' ? tableParts(spec.compression, rows, W) : tableParts(undefined, rows, W);
    const storedRows = tableRowCount(parts);
    return { feature, rows, bytes: tableValueCount(parts) * valueBytes, optimizerBytes: rowWise ? storedRows * 4 : 0, scratchBytes: storedRows * 4 };
  });
  const sum = (pick: (t: TableBytes) => number) => tables.reduce((s, t) => s + pick(t), 0);
  const tableBytes = sum((t) => t.bytes);
  const tableOptimizerBytes = sum((t) => t.optimizerBytes);
  const tableScratchBytes = sum((t) => t.scratchBytes);
  const denseParams = denseParameterCount(arch);
  const denseBytes = denseParams * 4;
  const denseOptimizerBytes = optimizer?.dense === 'adam' ? 2 * denseBytes : optimizer?.dense === 'adagrad' ? denseBytes : 0;
  const activationBytes = 4 * batchSize * activationFloatsPerRow(arch, features.length, W);
  const cacheDiskBytes = input.datasetRows === null ? null : input.datasetRows * CACHE_BYTES_PER_ROW;
  const datasetMemoryBytes = input.residentRows === null ? null : input.residentRows * CACHE_BYTES_PER_ROW;
  const tablesAll = tableBytes + tableOptimizerBytes + tableScratchBytes;
  const totalBytes = tablesAll + denseBytes + denseOptimizerBytes + activationBytes + (datasetMemoryBytes ?? 0);
  const limits: MemoryLimit[] = [
    { kind: 'ram', label: "the machine's free memory", neededBytes: totalBytes, limitBytes: machine.freeBytes, fits: totalBytes <= machine.freeBytes },
  ];
  let gpuBuffer: { bytes: number; what: string } | null = null;
  if (input.gpuLimits) {
    gpuBuffer = largestStepBuffer(arch, features.length, W, batchSize);
    const needed = gpuBuffer.bytes;
    limits.push(
      { kind: 'gpu-buffer', label: "the GPU's largest buffer (maxBufferSize)", neededBytes: needed, limitBytes: input.gpuLimits.maxBufferSize, fits: needed <= input.gpuLimits.maxBufferSize },
      {
        kind: 'gpu-binding',
        label: "the GPU's largest storage binding (maxStorageBufferBindingSize)",
        neededBytes: needed,
        limitBytes: input.gpuLimits.maxStorageBufferBindingSize,
        fits: needed <= input.gpuLimits.maxStorageBufferBindingSize,
      },
    );
  }
  const tableShare = totalBytes > 0 ? tablesAll / totalBytes : 0;
  const problems = limits
    .filter((l) => !l.fits)
    .map((l) =>
      l.kind === 'ram'
        ? `the run needs ${formatBytes(totalBytes)} in memory (tables ${formatBytes(tableBytes)} + their optimizer state ${formatBytes(tableOptimizerBytes)} + scratch ${formatBytes(tableScratchBytes)} = ${(tableShare * 100).toFixed(1)}%, MLPs ${formatBytes(denseBytes)} + state ${formatBytes(denseOptimizerBytes)}, activations at batch ${batchSize} ${formatBytes(activationBytes)}${datasetMemoryBytes ? `, rows in memory ${formatBytes(datasetMemoryBytes)}` : ''}) but ${formatBytes(l.limitBytes)} of ${formatBytes(machine.totalBytes)} is free: use smaller tables (hashSize, compression, tablePrecision) or a smaller batch`
        : `a step at batch ${batchSize} needs one ${formatBytes(l.neededBytes)} buffer for ${gpuBuffer?.what ?? 'its largest activation'} but ${l.label} is ${formatBytes(l.limitBytes)}: use a batch of at most ${Math.max(1, Math.floor((l.limitBytes / l.neededBytes) * batchSize))}`,
    );
  return {
    tables,
    tableBytes,
    tableOptimizerBytes,
    tableScratchBytes,
    denseBytes,
    denseOptimizerBytes,
    activationBytes,
    batchSize,
    cacheDiskBytes,
    datasetMemoryBytes,
    totalBytes,
    tableShare,
    machine: { ...machine },
    limits,
    fits: problems.length === 0,
    problems,
    ...(distinctValues ? { hashCollisions: planCollisions(distinctValues, featureRows, features) } : {}),
  };
}

/**
 * The largest single buffer one training step binds on the GPU path, and what it holds. DLRM: its
 * activations (largestDeviceBuffer); the other kinds: the pooled rows [B, T, W] or the widest layer.
 * Tables are not candidates: the WebGPU step splits each table over buffers of at most one binding,
 * and compressed tables (and the other kinds' tables) are pooled on the host.
 */
function largestStepBuffer(arch: ModelArchitecture, T: number, W: number, batchSize: number): { bytes: number; what: string } {
  if (arch.kind === 'dlrm') return largestDeviceBuffer(arch, batchSize);
  const widths = arch.kind === 'dcn' ? arch.deepSizes : [];
  let best = { floats: T * W, what: `pooled embeddings [${batchSize}, ${T}, ${W}]` };
  for (const w of widths) if (w > best.floats) best = { floats: w, what: `an MLP activation [${batchSize}, ${w}]` };
  return { bytes: 4 * batchSize * best.floats, what: best.what };
}
