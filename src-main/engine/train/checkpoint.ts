/**
 * Checkpoints: model weights, optimizer state and the position in the data, so a resumed run
 * continues exactly where it stopped (same data order: batches are a function of seed, epoch and
 * batch index; no other randomness is drawn during training).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelWeights } from '../model/ctr-model';
import type { EarlyStopState } from './early-stopping';
import { readTensorFile, tableArrays, writeTensorFile, type NamedArray } from './tensor-file';
import type { ModelTrainer, OptimizerStates, TrainJob } from './trainer';

export const CHECKPOINT_FORMAT = 'dlrm-studio-checkpoint';

/** Where training stands. */
export interface TrainingPosition {
  /** Steps done. */
  step: number;
  /** Epoch of the next batch. */
  epoch: number;
  /** Index (within `epoch`) of the next batch. */
  batchInEpoch: number;
  samplesSeen: number;
  /** Seconds spent training so far (for throughput and ETA after a resume). */
  trainSeconds: number;
}

export interface CheckpointMeta {
  job: TrainJob;
  position: TrainingPosition;
  backend: string;
  createdAt: string;
  counts: { tables: number; dense: number; denseState: number; sparseState: number };
  /** The early-stopping decision as of this step (runs with early stopping). */
  earlyStop?: EarlyStopState;
}

export interface Checkpoint {
  meta: CheckpointMeta;
  weights: ModelWeights;
  optimizers: OptimizerStates;
}

function named(prefix: string, arrays: Float32Array[]): NamedArray[] {
  return arrays.map((data, i) => ({ name: `${prefix}/${i}`, data }));
}

export function saveCheckpoint(file: string, trainer: ModelTrainer, position: TrainingPosition, backend: string, earlyStop?: EarlyStopState): void {
  const tables = tableArrays(trainer.model.embeddings, 'table');
  const dense = trainer.model.variables().map((v) => v.dataSync() as Float32Array);
  const states = trainer.optimizerStates();
  const meta: CheckpointMeta = {
    job: trainer.job,
    position,
    backend,
    createdAt: new Date().toISOString(),
    counts: { tables: tables.length, dense: dense.length, denseState: states.dense.length, sparseState: states.sparse.length },
  };
  if (earlyStop) meta.earlyStop = earlyStop;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeTensorFile(file, CHECKPOINT_FORMAT, meta, [
    ...tables,
    ...named('dense', dense),
    ...named('denseState', states.dense),
    ...named('sparseState', states.sparse),
  ]);
}

export function loadCheckpoint(file: string): Checkpoint {
  const { meta, arrays } = readTensorFile<CheckpointMeta>(file, CHECKPOINT_FORMAT);
  const take = (prefix: string, count: number): Float32Array[] =>
    Array.from({ length: count }, (_, i) => {
      const a = arrays.get(`${prefix}/${i}`);
      if (!a) throw new Error(`${file}: missing array ${prefix}/${i}`);
      return a;
    });
  return {
    meta,
    weights: { tables: take('table', meta.counts.tables), dense: take('dense', meta.counts.dense) },
    optimizers: { dense: take('denseState', meta.counts.denseState), sparse: take('sparseState', meta.counts.sparseState) },
  };
}

/** File name of the checkpoint at a step (zero-padded so names sort by step). */
export function checkpointPath(dir: string, step: number): string {
  return path.join(dir, `checkpoint-${String(step).padStart(10, '0')}.ckpt`);
}

/**
 * File of the model kept at an early-stopping improvement (a full checkpoint; named apart from the
 * periodic ones, so pruneCheckpoints never removes it).
 */
export function bestCheckpointPath(dir: string, step: number): string {
  return path.join(dir, `best-${String(step).padStart(10, '0')}.ckpt`);
}

/**
 * Deletes the best-model files of every step not in `needed` (the current best, and the best that
 * the newest periodic checkpoint refers to, which a resume goes back to).
 */
export function pruneBestCheckpoints(dir: string, needed: readonly (number | null)[]): void {
  if (!fs.existsSync(dir)) return;
  for (const f of fs.readdirSync(dir)) {
    const match = /^best-(\d+)\.ckpt$/.exec(f);
    if (match && !needed.includes(Number(match[1]))) fs.rmSync(path.join(dir, f), { force: true });
  }
}

/** Deletes all but the newest `keep` checkpoints in dir. */
export function pruneCheckpoints(dir: string, keep: number): void {
  const files = fs
    .readdirSync(dir)
    .filter((f) => /^checkpoint-\d+\.ckpt$/.test(f))
    .sort();
  for (const f of files.slice(0, Math.max(0, files.length - keep))) fs.rmSync(path.join(dir, f), { force: true });
}

/** The newest checkpoint in dir, or null. */
export function latestCheckpoint(dir: string): string | null {
  if (!fs.existsSync(dir)) return null;
  const files = fs
    .readdirSync(dir)
    .filter((f) => /^checkpoint-\d+\.ckpt$/.test(f))
    .sort();
  return files.length ? path.join(dir, files[files.length - 1]) : null;
}

/** Why a checkpoint cannot continue a job, or null when it can. */
export function checkpointMismatch(saved: TrainJob, job: TrainJob): string | null {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (!same(saved.model, job.model)) return 'the model differs from the checkpoint';
  if (!same(saved.tableSizes, job.tableSizes)) return 'the table sizes differ from the checkpoint';
  if (saved.optimizer.dense !== job.optimizer.dense || saved.optimizer.sparse !== job.optimizer.sparse) return 'the optimizers differ from the checkpoint';
  if (saved.train.batchSize !== job.train.batchSize) return `batch size ${job.train.batchSize} differs from the checkpoint's ${saved.train.batchSize}`;
  if (saved.train.seed !== job.train.seed) return `seed ${job.train.seed} differs from the checkpoint's ${saved.train.seed}`;
  return null;
}
