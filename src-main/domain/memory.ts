/**
 * The memory plan of a run (issue #15): where its bytes go before any work starts, against what the
 * machine (and, on the GPU path, the adapter) offers. Computed by engine/model/memory-plan.ts.
 */
import type { BackendName, DatasetSpec, ModelSpec, OptimizerSpec } from './run-config';

/** Bytes of one embedding table and its sparse optimizer state. */
export interface TableBytes {
  /** Categorical feature (0-based: 0 is C1). */
  feature: number;
  /** Logical rows (values the table can tell apart). */
  rows: number;
  /** Bytes of the table's parameters as stored (all of its parts for compressed kinds). */
  bytes: number;
  /** Bytes of the sparse optimizer's state for this table (row-wise Adagrad: 4 a stored row). */
  optimizerBytes: number;
  /** Row-gradient scratch made on the table's first backward (4 bytes a stored row). */
  scratchBytes: number;
}

/** Hashing's collisions in one table, expected from the feature's distinct values (engine/model/hash-collisions.ts). */
export interface TableCollisions {
  /** Categorical feature (0-based: 0 is C1). */
  feature: number;
  /** Distinct values of the feature (counted after preparation, or estimated). */
  distinct: number;
  /** Logical rows of its table. */
  rows: number;
  /** Expected rows used: rows (1 - (1 - 1/rows)^distinct). */
  occupiedRows: number;
  /** Expected share of the distinct values that share their row with another value (0..1). */
  collidingShare: number;
}

/**
 * Where a plan's distinct values came from: 'prepared' (counted exactly when the data was prepared into
 * the cache), 'prepared-estimate' (counted then, some features by a HyperLogLog sketch, ~0.8% error),
 * 'criteo-kaggle' (the Kaggle train set's counts), 'given' (sent with the request).
 */
export type DistinctSource = 'prepared' | 'prepared-estimate' | 'criteo-kaggle' | 'given';

/** Hashing's collisions over every table, when the distinct values per feature are known. */
export interface HashCollisionPlan {
  tables: TableCollisions[];
  /** Colliding values over all distinct values, all tables together (0..1). */
  collidingShare: number;
  /** Where the distinct values came from (set by the service; absent from the engine's plan). */
  distinctSource?: DistinctSource;
}

/** One budget the plan is held against. */
export interface MemoryLimit {
  /** 'ram' (the machine's memory), 'gpu-buffer' / 'gpu-binding' (a step's largest buffer against the adapter's largest buffer / storage binding). */
  kind: 'ram' | 'gpu-buffer' | 'gpu-binding';
  /** What it is, in words. */
  label: string;
  /** Bytes the plan needs against it. */
  neededBytes: number;
  /** Bytes available. */
  limitBytes: number;
  fits: boolean;
}

/** Where a run's bytes go (see engine/model/memory-plan.ts for how each part is counted). */
export interface MemoryPlan {
  tables: TableBytes[];
  /** Sum of tables[].bytes. */
  tableBytes: number;
  /** Sum of tables[].optimizerBytes. */
  tableOptimizerBytes: number;
  /** Sum of tables[].scratchBytes. */
  tableScratchBytes: number;
  /** MLP (and other dense) parameters, float32. */
  denseBytes: number;
  /** Dense optimizer state (Adagrad: one float a weight; Adam: two). */
  denseOptimizerBytes: number;
  /** Activations and their gradients at the chosen batch size (an estimate: the host step's buffers). */
  activationBytes: number;
  /** Batch size the activations were counted at. */
  batchSize: number;
  /** The dataset's binary cache on disk (null when the row count is unknown). */
  cacheDiskBytes: number | null;
  /** The prepared rows held in memory while training (today the whole cache is loaded; null when unknown). */
  datasetMemoryBytes: number | null;
  /** Everything held in memory while training: tables (+ state, scratch), dense (+ state), activations, the rows. */
  totalBytes: number;
  /** tableBytes + tableOptimizerBytes + tableScratchBytes over totalBytes (0..1). */
  tableShare: number;
  /** The machine's memory (os.totalmem) and what was free when the plan was made (os.freemem). */
  machine: { totalBytes: number; freeBytes: number };
  limits: MemoryLimit[];
  /** Every limit holds. */
  fits: boolean;
  /** One line per limit that fails, with the numbers. */
  problems: string[];
  /** Hashing's expected collisions, present when the distinct values per feature were given. */
  hashCollisions?: HashCollisionPlan;
}

/** What 'model.plan' takes: the run's model, optimizer, batch size and (optionally) its data and backend. */
export interface MemoryPlanRequest {
  model: ModelSpec;
  optimizer?: OptimizerSpec;
  batchSize: number;
  dataset?: DatasetSpec;
  /** On 'webgpu' the adapter's buffer limits are checked too. */
  backend?: BackendName;
  /**
   * [F] distinct values of each categorical feature, or 'criteo-kaggle' for the Kaggle train set's
   * counts: the plan then gives hashing's collisions. Absent: the counts kept when a hashed file
   * dataset was prepared, when it was (else no collision estimate); 'prepared-or-criteo-kaggle': those,
   * else Kaggle's.
   */
  featureDistinctValues?: number[] | 'criteo-kaggle' | 'prepared-or-criteo-kaggle';
}

/** 1234567 -> "1.2 MiB" (powers of 1024, as the machine's memory is reported). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}
