/**
 * The memory plan of a run (issue #15) at the service: the compression fields of a ModelSpec parsed
 * with errors naming the field, 'model.plan', and the refusal of a run that cannot fit before any work
 * starts (every run goes through RunManager.start, which calls refuseUnfitRun).
 */
import { statSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import type { DatasetSpec, EmbeddingCompressionSpec, MemoryPlan, ModelSpec, OptimizerSpec, StartRunInput, TrainSpec } from '../domain';
import { DEFAULT_CHUNK_ROWS } from '../engine/data';
import { compressionErrors, planMemory } from '../engine/model';
import { ApiError, number, object, oneOf, onlyKeys } from './validate';

/** model.compression as sent: { kind: 'qr', remainderRows, combine } or { kind: 'mixed-dim', hotShare, coldDim }. */
export function parseCompression(value: unknown, field: string): EmbeddingCompressionSpec {
  const o = object(value, field);
  const kind = oneOf(o['kind'], `${field}.kind`, ['qr', 'mixed-dim'] as const);
  if (kind === 'qr') {
    onlyKeys(o, ['kind', 'remainderRows', 'combine'], field);
    return {
      kind,
      remainderRows: number(o['remainderRows'], `${field}.remainderRows`, { min: 2, max: 50_000_000, integer: true }),
      combine: oneOf(o['combine'] ?? 'product', `${field}.combine`, ['product', 'sum'] as const),
    };
  }
  onlyKeys(o, ['kind', 'hotShare', 'coldDim'], field);
  return {
    kind,
    hotShare: number(o['hotShare'], `${field}.hotShare`, { min: 1e-6, max: 0.999999 }),
    coldDim: number(o['coldDim'], `${field}.coldDim`, { min: 1, max: 1023, integer: true }),
  };
}

/** The cross-field rules of compression / tablePrecision (DLRM only, coldDim < D, one kind at a time), as a field-named error. */
export function checkCompressionFields(spec: ModelSpec, field: string): void {
  const errors = compressionErrors(spec);
  if (errors.length === 0) return;
  const named = spec.compression && !errors[0].startsWith('tablePrecision') ? `${field}.compression` : `${field}.tablePrecision`;
  throw new ApiError(`${named}: ${errors.join('; ')}`, 'bad-request', named);
}

/** Rows of a dataset when known before preparing it (synthetic data), null for files. */
function datasetRowsOf(dataset: DatasetSpec | undefined): number | null {
  return dataset?.kind === 'synthetic' ? dataset.rows : null;
}

/**
 * Rows held in memory while training: all of them for synthetic data (generated in memory), a read
 * chunk for files (cached sources read DEFAULT_CHUNK_ROWS at a time).
 */
function residentRowsOf(dataset: DatasetSpec | undefined): number | null {
  if (!dataset) return null;
  return dataset.kind === 'synthetic' ? dataset.rows : DEFAULT_CHUNK_ROWS;
}

/** Bytes of the data file(s) on disk (for the plan's note), or null. */
export function datasetFileBytes(dataset: DatasetSpec | undefined): number | null {
  try {
    if (dataset?.kind === 'file') return statSync(dataset.path).size;
    if (dataset?.kind === 'files') return [dataset.train, dataset.valid, dataset.test].filter((p): p is string => p !== undefined).reduce((n, p) => n + statSync(p).size, 0);
  } catch {
    return null;
  }
  return null;
}

export interface PlanInput {
  model: ModelSpec;
  optimizer?: OptimizerSpec;
  batchSize: number;
  dataset?: DatasetSpec;
  /** The GPU's limits, when the run is on the WebGPU path. */
  gpuLimits?: { maxBufferSize: number; maxStorageBufferBindingSize: number } | null;
  /** [F] distinct values per feature (known after preparation, or estimated): the plan adds hashing's collisions. */
  featureDistinctValues?: readonly number[];
}

/**
 * The plan of a run on this machine. Tables are counted at hashSize rows each: the most a vocabulary
 * gives them too (vocabulary tables are at most hashSize rows).
 */
export function planRun(input: PlanInput): MemoryPlan {
  try {
    return planMemory({
      spec: input.model,
      optimizer: input.optimizer,
      batchSize: input.batchSize,
      datasetRows: datasetRowsOf(input.dataset),
      residentRows: residentRowsOf(input.dataset),
      machine: { totalBytes: totalmem(), freeBytes: freemem() },
      gpuLimits: input.gpuLimits ?? null,
      ...(input.featureDistinctValues ? { featureDistinctValues: input.featureDistinctValues } : {}),
    });
  } catch (e) {
    throw new ApiError(e instanceof Error ? e.message : String(e), 'bad-request', 'model');
  }
}

/**
 * Refuses, before anything is stored or started, a run that cannot fit in the machine's free memory.
 */
export function refuseUnfitRun(input: Pick<StartRunInput, 'model' | 'optimizer' | 'dataset'> & { train: Pick<TrainSpec, 'batchSize' | 'backend'> }): MemoryPlan {
  const plan = planRun({ model: input.model, optimizer: input.optimizer, batchSize: input.train.batchSize, dataset: input.dataset });
  if (!plan.fits) throw new ApiError(`model: the run cannot fit: ${plan.problems.join('; ')}`, 'bad-request', 'model');
  return plan;
}
