/**
 * How a DLRM's embedding tables are split over workers (threads or torch.distributed ranks), and
 * what a placement costs: the sharding planner's input and output.
 */

/** One table's placement: whole on one worker, or split by row ranges over several. */
export type TableShard =
  | { table: number; kind: 'table'; worker: number }
  /** Rows [rowStarts[k], rowStarts[k + 1]) on workers[k] (rowStarts ends with the table's row count). */
  | { table: number; kind: 'row'; workers: number[]; rowStarts: number[] };

export interface ShardingPlan {
  workers: number;
  /** One entry per table, in table order. */
  shards: TableShard[];
}

export interface WorkerCost {
  worker: number;
  /** Tables (whole or a row range) held by this worker. */
  tables: number[];
  /** Embedding rows held, times D times 4. */
  tableBytes: number;
  /** Row-wise optimizer state of those rows (4 bytes a row for row-wise Adagrad; 0 for SGD). */
  sparseStateBytes: number;
  /** The replicated MLPs and their optimizer state (every worker holds a copy). */
  denseBytes: number;
  totalBytes: number;
  /** Embedding rows read per training step (one-hot: the batch size per whole table; a row range its share of lookups). */
  lookupsPerStep: number;
  /** Bytes this worker sends per step in the all-to-all, forward and backward together. */
  allToAllBytesPerStep: number;
}

export interface PlanCost {
  perWorker: WorkerCost[];
  /** All workers together, forward (pooled vectors) plus backward (their gradients). */
  allToAllBytesPerStep: number;
  /** [from][to]: bytes of pooled vectors worker `from` sends worker `to` per step (their gradients come back the same size). */
  pairBytesPerStep: number[][];
  /** Bytes each worker sends per step in a ring all-reduce of the MLP gradients: 2 (W-1)/W x MLP bytes. */
  allReduceBytesPerWorkerPerStep: number;
  /** The largest worker's bytes (weights + optimizer state). */
  maxWorkerBytes: number;
  /** null when there is no budget. */
  budgetBytesPerWorker: number | null;
  /** Why the plan cannot run (a worker over its budget, a bad placement), with the numbers; empty when it can. */
  problems: string[];
}

export interface ShardingInput {
  /** Rows of each table, [F]. */
  tableSizes: number[];
  embeddingDim: number;
  workers: number;
  batchSize: number;
  /** Parameters of the MLPs (replicated on every worker). */
  denseParamCount: number;
  denseOptimizer: 'sgd' | 'adagrad' | 'adam';
  sparseOptimizer: 'sgd' | 'rowwise-adagrad';
  /** Bytes one worker may hold (weights + optimizer state); absent: no limit. */
  memoryBudgetBytes?: number;
  /**
   * Measured lookups of each row of each table (e.g. category counts of the training data), [F][rows];
   * absent or null for a table: lookups spread evenly over its rows.
   */
  rowCounts?: (ArrayLike<number> | null)[];
}
