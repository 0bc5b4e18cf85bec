/**
 * Per-feature importance by removal: each feature in turn is replaced by its missing value and the
 * change in AUC and log loss over the sampled rows is measured. A categorical feature is "missing"
 * when its row is the row the empty category maps to (given per feature by the caller, since that
 * depends on the preprocessing); the dense block is missing when every dense input is 0 (which is
 * log(0 + 1), the preprocessed value of an absent integer).
 */
import type { Batch } from '../data/types';
import { interactionLabels, withCategoricalReplaced, withDenseZeroed } from './batch';
import { logLoss, rocAuc } from './metrics';
import type { ExplainableModel } from './model-interface';

export interface FeatureRemovalOptions {
  /** For each categorical feature f, the table row its missing value maps to, [F]. */
  missingRows: ArrayLike<number>;
}

export interface FeatureRemovalEntry {
  /** 'dense' or C1..CF. */
  feature: string;
  /** -1 for the dense block, else the categorical feature index f. */
  index: number;
  /** Baseline AUC minus AUC with the feature removed (positive: the feature helps ranking). NaN with one class. */
  aucDrop: number;
  /** Log loss with the feature removed minus baseline log loss. */
  logLossIncrease: number;
}

export interface FeatureRemovalResult {
  baseline: { auc: number; logLoss: number; rows: number };
  /** One entry per feature (dense first in the input order), sorted by aucDrop, then logLossIncrease, descending. */
  features: FeatureRemovalEntry[];
}

function concatenate(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Feature-removal importance of the dense block and every categorical feature over the given rows. */
export function featureRemovalImportance(
  model: ExplainableModel,
  batches: Batch | readonly Batch[],
  options: FeatureRemovalOptions,
): FeatureRemovalResult {
  const list = Array.isArray(batches) ? (batches as readonly Batch[]) : [batches as Batch];
  const F = model.numFeatures;
  if (options.missingRows.length !== F) throw new Error(`missingRows needs one row per feature (${F}), got ${options.missingRows.length}`);
  const labels = concatenate(list.map((b) => b.labels));
  const score = (edit: (batch: Batch) => Batch): { auc: number; logLoss: number } => {
    const probabilities = concatenate(list.map((batch) => model.predict(edit(batch))));
    return { auc: rocAuc(probabilities, labels), logLoss: logLoss(probabilities, labels) };
  };
  const baseline = score((batch) => batch);
  const names = interactionLabels(F);
  const features: FeatureRemovalEntry[] = [];
  for (let index = -1; index < F; index++) {
    const removed = index < 0 ? score(withDenseZeroed) : score((batch) => withCategoricalReplaced(batch, index, options.missingRows[index]));
    features.push({
      feature: names[index + 1],
      index,
      aucDrop: baseline.auc - removed.auc,
      logLossIncrease: removed.logLoss - baseline.logLoss,
    });
  }
  const orderKey = (x: number): number => (Number.isNaN(x) ? -Infinity : x);
  features.sort((a, b) => orderKey(b.aucDrop) - orderKey(a.aucDrop) || b.logLossIncrease - a.logLossIncrease || a.index - b.index);
  return { baseline: { ...baseline, rows: labels.length }, features };
}
