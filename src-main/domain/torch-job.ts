/**
 * A training job exported for PyTorch's torch.distributed (the hybrid strategy: tables sharded over
 * ranks, pooled embeddings moved by an all-to-all, MLPs replicated), what its job.json says, and the
 * events its script writes as JSON lines (output/metrics.jsonl) for the app to follow.
 */
import type { DatasetSpec, InteractionKind, ModelSpec, OptimizerSpec, TrainSpec } from './run-config';
import type { PlanCost } from './sharding';
import type { MetricValues } from './metrics';
import type { RunProgress } from './events';

/** Which rank owns which embedding table (table-wise sharding). */
export interface TablePlacement {
  /** Ranks (or worker threads) the plan was made for. */
  worldSize: number;
  /** tableOwner[f]: the rank that holds table f, its optimizer state, and pools it for every batch (a table split by rows: its first holder). */
  tableOwner: number[];
  /** Tables split by rows: rows [rowStarts[k], rowStarts[k + 1]) of `table` on ranks[k] (absent: every table whole). */
  rowSplits?: { table: number; ranks: number[]; rowStarts: number[] }[];
}

/** job.json of an exported job folder. */
export interface TorchJobConfig {
  format: 'dlrm-studio-torch-job';
  version: 1;
  /** The run this job was exported from (null: exported from a configuration alone). */
  runId: string | null;
  runName: string | null;
  /** The dataset the splits in data/ were prepared from. */
  dataset: DatasetSpec;
  model: ModelSpec;
  optimizer: OptimizerSpec;
  train: TrainSpec;
  /** Rows of each categorical feature's table, [F]. */
  tableSizes: number[];
  architecture: {
    numDense: number;
    numFeatures: number;
    embeddingDim: number;
    /** [I, ..., D] */
    bottomSizes: number[];
    /** [top input, ..., 1] */
    topSizes: number[];
    interaction: InteractionKind;
  };
  /** Rows of each split in data/ (0: the split is absent). */
  rows: { train: number; valid: number; test: number };
  plan: TablePlacement;
  createdAt: string;
  /** The copy of the data in TorchRec's per-day .npy layout (absent in older jobs). */
  torchrec?: TorchrecLayout;
}

/** TorchRec's per-day .npy copy of a job's data (`folder` inside the job folder), or why there is none. */
export type TorchrecLayout =
  | {
      folder: string;
      /** Days written with their rows: training days 0.., and day 23 = valid then test rows. */
      days: { day: number; rows: number }[];
      /** The dlrm_main.py command line for this data and model. */
      command: string;
    }
  | { folder: null; reason: string };

/** What the script writes to metrics.jsonl, one JSON object per line (rank 0 only). */
export type TorchJobEvent =
  | { type: 'started'; backend: string; detail: string; paramCount: number; totalSteps: number; worldSize: number; tableOwner: number[] }
  | ({ type: 'progress'; lr: number; wallTime: number } & RunProgress)
  | { type: 'eval'; step: number; samplesSeen: number; split: 'valid' | 'test'; metrics: MetricValues; wallTime: number }
  | { type: 'finished'; step: number; samplesSeen: number; wallTime: number; valid: MetricValues | null; test: MetricValues | null; weights: string[] }
  | { type: 'failed'; error: string };

/** Result of exporting a job folder. */
export interface ExportJobResult {
  dir: string;
  /** Bytes written (data, initial weights, script, configuration). */
  bytes: number;
  rows: { train: number; valid: number; test: number };
  plan: TablePlacement;
  /** The planner's figures for this placement. */
  cost: PlanCost;
  /** One-machine command lines to start it. */
  commands: string[];
}
