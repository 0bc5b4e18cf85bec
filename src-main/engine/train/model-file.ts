/**
 * A trained model on disk: weights, tables, the model spec, table sizes and the preprocessing that
 * produced its inputs (opaque JSON from the data module, passed through), in the tensor-file container.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MetricValues, ModelSpec } from '../../service/contract';
import type { Batch } from '../data/types';
import { architectureOf } from '../model/architecture';
import { Dlrm } from '../model/dlrm';
import { readTensorFile, writeTensorFile } from './tensor-file';

export const MODEL_FORMAT = 'dlrm-studio-model';

export interface SavedModelMeta {
  model: ModelSpec;
  tableSizes: number[];
  numDense: number;
  /** How raw rows become model inputs (hashing, vocabularies...), as the data module describes it. */
  preprocessing: unknown;
  trainedSteps: number;
  test?: MetricValues | null;
  createdAt: string;
}

export function saveModel(file: string, model: Dlrm, meta: Omit<SavedModelMeta, 'createdAt' | 'tableSizes' | 'numDense'>): void {
  const full: SavedModelMeta = { ...meta, tableSizes: [...model.tableSizes], numDense: model.arch.numDense, createdAt: new Date().toISOString() };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeTensorFile(file, MODEL_FORMAT, { ...full, counts: { tables: model.tableSizes.length, dense: model.variables().length } }, [
    ...model.embeddings.tables.map((data, i) => ({ name: `table/${i}`, data })),
    ...model.variables().map((v, i) => ({ name: `dense/${i}`, data: v.dataSync() as Float32Array })),
  ]);
}

/** Loads a saved model onto the current tfjs backend (the caller disposes it). */
export function loadModel(file: string): { model: Dlrm; meta: SavedModelMeta } {
  const { meta, arrays } = readTensorFile<SavedModelMeta & { counts: { tables: number; dense: number } }>(file, MODEL_FORMAT);
  const take = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => {
      const a = arrays.get(`${prefix}/${i}`);
      if (!a) throw new Error(`${file}: missing array ${prefix}/${i}`);
      return a;
    });
  const arch = architectureOf(meta.model, { numDense: meta.numDense, numFeatures: meta.tableSizes.length });
  const model = Dlrm.fromWeights(arch, meta.tableSizes, { tables: take('table', meta.counts.tables), dense: take('dense', meta.counts.dense) });
  const { counts: _counts, ...rest } = meta;
  return { model, meta: rest };
}

/** Click probabilities of every row of the given batches, in order. */
export function predictBatches(model: Dlrm, batches: Iterable<Batch>): Float32Array {
  const parts: Float32Array[] = [];
  let n = 0;
  for (const batch of batches) {
    const p = model.predict(batch);
    parts.push(p);
    n += p.length;
  }
  const out = new Float32Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
