/**
 * A trained model on disk: weights, tables, the model kind and spec, table sizes and the
 * preprocessing that produced its inputs (opaque JSON from the data module, passed through), in the
 * tensor-file container. Any kind (DLRM, DCN, FM, MF, LR); loadModel rebuilds the right class.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MetricValues, ModelKind, ModelSpec } from '../../domain';
import type { Batch } from '../data/types';
import type { CtrModel } from '../model/ctr-model';
import { Dlrm } from '../model/dlrm';
import { modelFromWeights } from '../model/models';
import { readTensorFile, tableArrays, writeTensorFile } from './tensor-file';

export const MODEL_FORMAT = 'dlrm-studio-model';

export interface SavedModelMeta {
  /** The model class (also model.kind; files written before other kinds existed lack it: 'dlrm'). */
  kind: ModelKind;
  model: ModelSpec;
  /** Rows of the table of each categorical feature of the data, [F]. */
  tableSizes: number[];
  numDense: number;
  /** How raw rows become model inputs (hashing, vocabularies...), as the data module describes it. */
  preprocessing: unknown;
  trainedSteps: number;
  test?: MetricValues | null;
  createdAt: string;
}

/** @throws when meta.model is of another kind than the model. */
export function saveModel(file: string, model: CtrModel, meta: Omit<SavedModelMeta, 'createdAt' | 'tableSizes' | 'numDense' | 'kind'>): void {
  if (meta.model.kind !== model.kind) throw new Error(`saveModel: the spec is a "${meta.model.kind}" model but the model is "${model.kind}"`);
  const full: SavedModelMeta = { ...meta, kind: model.kind, tableSizes: [...model.featureTableSizes], numDense: model.numDense, createdAt: new Date().toISOString() };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tables = tableArrays(model.embeddings, 'table');
  writeTensorFile(file, MODEL_FORMAT, { ...full, counts: { tables: tables.length, dense: model.variables().length } }, [
    ...tables,
    ...model.variables().map((v, i) => ({ name: `dense/${i}`, data: v.dataSync() as Float32Array })),
  ]);
}

/** Loads a saved model of any kind onto the current tfjs backend (the caller disposes it). */
export function loadModel(file: string): { model: CtrModel; meta: SavedModelMeta } {
  const { meta, arrays } = readTensorFile<SavedModelMeta & { counts: { tables: number; dense: number } }>(file, MODEL_FORMAT);
  const kind = meta.kind ?? meta.model.kind;
  if (kind !== meta.model.kind) throw new Error(`${file}: the file says kind "${kind}" but its spec is a "${meta.model.kind}" model`);
  const take = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => {
      const a = arrays.get(`${prefix}/${i}`);
      if (!a) throw new Error(`${file}: missing array ${prefix}/${i}`);
      return a;
    });
  const model = modelFromWeights(meta.model, meta.tableSizes, { tables: take('table', meta.counts.tables), dense: take('dense', meta.counts.dense) }, { numDense: meta.numDense });
  const { counts: _counts, ...rest } = meta;
  return { model, meta: { ...rest, kind } };
}

/**
 * Loads a saved DLRM (what the explore views need: an ExplainableModel).
 * @throws naming the kind when the file holds another model.
 */
export function loadDlrmModel(file: string): { model: Dlrm; meta: SavedModelMeta } {
  const loaded = loadModel(file);
  if (!(loaded.model instanceof Dlrm)) {
    loaded.model.dispose();
    throw new Error(`${file} holds a "${loaded.meta.kind}" model; this view needs a DLRM`);
  }
  return { model: loaded.model, meta: loaded.meta };
}

/** Click probabilities of every row of the given batches, in order. */
export function predictBatches(model: Pick<CtrModel, 'predict'>, batches: Iterable<Batch>): Float32Array {
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
