/** The configuration of a training run (model, optimizer, dataset and training settings, as the New run form, the CLI and a sweep give them), and what is checked of a model before it trains. */
import type { EarlyStoppingSpec } from './early-stopping';

export type RunStatus = 'queued' | 'running' | 'finished' | 'failed' | 'cancelled' | 'interrupted';

export type ModelKind = 'dlrm' | 'dcn' | 'fm' | 'lr' | 'mf';

export type InteractionKind = 'dot' | 'dot-self' | 'cat';

export type OptimizerKind = 'sgd' | 'adagrad' | 'adam';

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

/** Architecture of a model, as the new-run form and the CLI give it. */
export interface ModelSpec {
  kind: ModelKind;
  /** Preset name (criteo-kaggle, course, terabyte, ...) the spec started from, if any. */
  preset?: string;
  /** Embedding dimension D. */
  embeddingDim: number;
  /** Bottom MLP, e.g. "13-512-256-64-16" (must start at 13 and end at D). Empty for none. */
  bottomMlp: string;
  /** Top MLP widths after the interaction, e.g. "512-256-1" (must end at 1). */
  topMlp: string;
  interaction: InteractionKind;
  /** Rows per embedding table when hashing (modulo). */
  hashSize: number;
  /** DCN only: number of cross layers. */
  crossLayers?: number;
  /** MF only: the categorical features (0..25) holding the user and the item (default C1, C2). */
  userField?: number;
  itemField?: number;
  /** DLRM only: a memory-saving embedding kind (absent: one full row per value). See EmbeddingCompressionSpec. */
  compression?: EmbeddingCompressionSpec;
  /** DLRM only: how table rows are stored (absent or 'fp32': float32); arithmetic stays float32. */
  tablePrecision?: TablePrecision;
  /**
   * DLRM only: how a multi-hot bag of rows becomes one vector (EmbeddingBag mode): 'sum' (absent:
   * today's behaviour), 'mean' (the sum over the bag's length), 'max' (element-wise maximum).
   */
  pooling?: PoolingMode;
  /**
   * DLRM only: an MLP applied to each table's pooled vector before the interaction (one per table),
   * e.g. "16-32-16": must start and end at the embedding dim D. Empty or absent: none.
   */
  sparseMlp?: string;
}

/** EmbeddingBag pooling of a DLRM's multi-hot bags. */
export type PoolingMode = 'sum' | 'mean' | 'max';

/**
 * Memory-saving embeddings (issue #15), each a DLRM table kind with its own explicit backward.
 * - 'qr' (Shi et al. 2019): value i of a table of n rows reads row floor(i / m) of a quotient table
 *   [ceil(n / m), D] and row i mod m of a remainder table [m, D] (m = remainderRows), combined by
 *   element-wise product or sum: two small tables, each value a distinct pair.
 * - 'mixed-dim' (Ginart et al. 2019, two popularity blocks): rows [0, h) of each table (h = the
 *   hotShare of its rows, the most frequent values under vocabulary encoding) keep D columns; the
 *   other rows get coldDim columns and a learned [coldDim, D] projection up to the interaction's D.
 */
export type EmbeddingCompressionSpec =
  | { kind: 'qr'; remainderRows: number; combine: 'product' | 'sum' }
  | { kind: 'mixed-dim'; hotShare: number; coldDim: number };

/** Storage of table rows: float32, IEEE half (fp16) or bfloat16 (bf16); updates are computed in float32 and rounded to nearest. */
export type TablePrecision = 'fp32' | 'fp16' | 'bf16';

export interface OptimizerSpec {
  /** Optimizer of the dense (MLP) weights. */
  dense: OptimizerKind;
  /** Optimizer of the embedding tables: plain SGD or row-wise sparse Adagrad. */
  sparse: 'sgd' | 'rowwise-adagrad';
  learningRate: number;
  /** Learning rate of the embedding tables, when it differs from the MLPs' (Adam and Adagrad want different scales). */
  sparseLearningRate?: number;
  /**
   * L2 weight decay (PyTorch's weight_decay): wd * w is added to the gradient of every dense weight
   * and of every table row a batch touches. Default 0.
   */
  weightDecay?: number;
  /** Linear warm-up steps (0 for none). */
  warmupSteps: number;
  /** Decay after warm-up. */
  decay: 'none' | 'linear' | 'cosine' | 'step';
}

/**
 * How raw categorical values become table rows. 'hash': the 32-bit value modulo the model's
 * hashSize (the reference with --max-ind-range; the default). 'vocab': a row per value seen at least
 * minCount times in the training rows, most frequent first, at most hashSize of them; rarer values
 * and missing ones share row 0 (the reference without --max-ind-range, plus a minimum count).
 */
export interface CategoryEncodingSpec {
  encoding: 'hash' | 'vocab';
  /** vocab only: the minimum count of a value to get its own row (default 1). */
  minCount?: number;
}

export type DatasetSpec = (
  | { kind: 'synthetic'; rows: number; seed: number }
  | { kind: 'file'; path: string; split: 'days7' | 'random'; validFraction?: number; testFraction?: number }
  | { kind: 'files'; train: string; valid?: string; test: string }
) & { categories?: CategoryEncodingSpec };

export interface TrainSpec {
  batchSize: number;
  epochs: number;
  /** Evaluate on the validation split every N steps (0: only at epoch ends). */
  evalEvery: number;
  seed: number;
  /** Force a backend; default: the fastest available. */
  backend?: BackendName;
  /** Stop the run when the share of bad rows passes this (0..1). */
  maxBadRowShare: number;
  /** Checkpoint every N steps (0: only at the end). */
  checkpointEvery: number;
  /**
   * Prepared files only: train in the stored order (the reference's day order) and shuffle rows only
   * within windows of this many rows (rounded up to a multiple of batchSize), one window read at a
   * time. Absent: chunks in a seeded random order, rows shuffled within each chunk.
   */
  shuffleWindow?: number;
  /**
   * CPU threads per step on the wasm and cpu backends (2: each batch split over two worker threads,
   * data-parallel; the same model up to float32 rounding). Default: 2 where the machine has two cores.
   */
  threads?: 1 | 2;
  /**
   * Hybrid parallel training on this many worker threads (wasm and cpu backends, DLRM with full
   * tables): tables sharded over the workers by the planner, pooled vectors moved by an all-to-all
   * through shared memory, MLPs replicated and all-reduced. Absent or 0: the threads setting.
   */
  hybridWorkers?: number;
  /**
   * Bytes one hybrid worker may hold (its tables or row ranges with their row-wise state, plus the
   * MLPs with their optimizer state): the planner splits a table that fits no worker whole by rows
   * over several, and refuses, with the numbers, a run that fits no plan. Absent: no limit.
   */
  hybridMemoryBudgetBytes?: number;
  /**
   * Stop when the validation metric stops improving and keep the best evaluation's model (absent:
   * off; the doors turn it on for runs of more than one epoch).
   */
  earlyStopping?: EarlyStoppingSpec;
}

export interface StartRunInput {
  name?: string;
  tags?: string[];
  model: ModelSpec;
  optimizer: OptimizerSpec;
  dataset: DatasetSpec;
  train: TrainSpec;
  /** Group id when the run is part of a "compare models" group. */
  group?: string;
}

export interface ModelCheck {
  ok: boolean;
  errors: string[];
  paramCount: number;
  /** Bytes for parameters plus optimizer state. */
  memoryBytes: number;
  /** Width of the top MLP's input (D + interaction size for DLRM). */
  topInputWidth: number | null;
}

export interface PresetInfo {
  name: string;
  description: string;
  model: ModelSpec;
}
