/**
 * The matrix-factorisation view of DLRM: with only a user field and an item field, no bottom MLP
 * (so no dense vector, or a constant zero one) and a top "MLP" that is a single linear unit over the
 * interaction, the logit is w * <u, i> + b: matrix factorisation with a learned scale and bias. This
 * module checks that numerically on a trained model: for a few (user, item) pairs it reads the
 * model's logit and the dot product of the two embedding rows, fits logit = slope * dot + intercept
 * by least squares and reports the largest residual. A residual near float rounding shows the
 * equivalence; a large one shows the model is not of that form (e.g. a non-zero dense vector).
 */
import { oneHotIndices } from './batch';
import type { ExplainableModel } from './model-interface';

export interface UserItemPair {
  /** Table row of the user in the user feature's table. */
  user: number;
  /** Table row of the item in the item feature's table. */
  item: number;
}

export interface MatrixFactorisationOptions {
  /** Categorical feature index of the user field. Default 0. */
  userFeature?: number;
  /** Categorical feature index of the item field. Default 1. */
  itemFeature?: number;
  /** Dense inputs I the model expects (all set to 0). Default 13. */
  numDense?: number;
}

export interface MatrixFactorisationCheck {
  pairs: { user: number; item: number; logit: number; dot: number }[];
  slope: number;
  intercept: number;
  /** Largest |logit - (slope * dot + intercept)|. */
  maxResidual: number;
  /** Share of the logit variance the line explains (1 when exact; NaN when the logits are constant). */
  rSquared: number;
}

/** Compares the model's logits with <user row, item row> for the given pairs (other features at row 0). */
export function matrixFactorisationCheck(
  model: ExplainableModel,
  pairs: readonly UserItemPair[],
  options: MatrixFactorisationOptions = {},
): MatrixFactorisationCheck {
  const userFeature = options.userFeature ?? 0;
  const itemFeature = options.itemFeature ?? 1;
  const numDense = options.numDense ?? 13;
  const F = model.numFeatures;
  const D = model.embeddingDim;
  if (pairs.length < 2) throw new Error('need at least two (user, item) pairs to fit a line');
  if (userFeature === itemFeature || userFeature < 0 || itemFeature < 0 || userFeature >= F || itemFeature >= F) {
    throw new Error(`user and item features must be two different features in 0..${F - 1}`);
  }
  const B = pairs.length;
  const rows = new Int32Array(B * F);
  pairs.forEach((pair, b) => {
    rows[b * F + userFeature] = pair.user;
    rows[b * F + itemFeature] = pair.item;
  });
  const batch = { size: B, dense: new Float32Array(B * numDense), sparse: oneHotIndices(rows, B, F), labels: new Float32Array(B) };
  const logits = model.logitsFromVectors(model.interactionVectors(batch), B);
  const users = model.table(userFeature);
  const items = model.table(itemFeature);
  const result = pairs.map((pair, b) => {
    let dot = 0;
    for (let d = 0; d < D; d++) dot += users[pair.user * D + d] * items[pair.item * D + d];
    return { user: pair.user, item: pair.item, logit: logits[b], dot };
  });
  // Least squares in float64.
  const meanDot = result.reduce((s, r) => s + r.dot, 0) / B;
  const meanLogit = result.reduce((s, r) => s + r.logit, 0) / B;
  let covariance = 0;
  let dotVariance = 0;
  let logitVariance = 0;
  for (const r of result) {
    covariance += (r.dot - meanDot) * (r.logit - meanLogit);
    dotVariance += (r.dot - meanDot) ** 2;
    logitVariance += (r.logit - meanLogit) ** 2;
  }
  const slope = dotVariance > 0 ? covariance / dotVariance : 0;
  const intercept = meanLogit - slope * meanDot;
  let maxResidual = 0;
  let residualSquares = 0;
  for (const r of result) {
    const residual = r.logit - (slope * r.dot + intercept);
    maxResidual = Math.max(maxResidual, Math.abs(residual));
    residualSquares += residual * residual;
  }
  const rSquared = logitVariance > 0 ? 1 - residualSquares / logitVariance : NaN;
  return { pairs: result, slope, intercept, maxResidual, rSquared };
}
