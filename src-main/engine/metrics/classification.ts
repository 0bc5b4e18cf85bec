/**
 * Binary-classification metrics shared by every engine part that scores predictions: data/ (the
 * Bayes-optimal AUC of synthetic data), explore/ (feature-removal importance) and train/ (evaluation).
 * A leaf module: it imports nothing, so any engine folder may use it.
 */

/**
 * Exact area under the ROC curve: the probability that a random positive scores above a random
 * negative, ties counting one half (the rank formula with tied ranks averaged, as
 * ../shared/peer/torch_dlrm.py computes it). Sorts positives and negatives separately and merges:
 * O(N log N) with native numeric sorts.
 * @param scores [N]  @param labels [N] 0/1 (> 0.5 is positive)
 * @returns AUC in [0, 1], or NaN when only one class is present.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (scores.length !== labels.length) throw new Error(`auc: ${scores.length} scores for ${labels.length} labels`);
  let numPositive = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]! > 0.5) numPositive++;
  const numNegative = labels.length - numPositive;
  if (numPositive === 0 || numNegative === 0) return NaN;
  const positives = new Float64Array(numPositive);
  const negatives = new Float64Array(numNegative);
  for (let i = 0, p = 0, n = 0; i < labels.length; i++) {
    if (labels[i]! > 0.5) positives[p++] = scores[i]!;
    else negatives[n++] = scores[i]!;
  }
  positives.sort();
  negatives.sort();
  // For each positive: negatives strictly below it, plus half of those equal to it.
  let below = 0;
  let belowOrEqual = 0;
  let wins = 0;
  for (let p = 0; p < numPositive; p++) {
    const v = positives[p]!;
    while (below < numNegative && negatives[below]! < v) below++;
    if (belowOrEqual < below) belowOrEqual = below;
    while (belowOrEqual < numNegative && negatives[belowOrEqual]! <= v) belowOrEqual++;
    wins += below + (belowOrEqual - below) / 2;
  }
  return wins / (numPositive * numNegative);
}

/** Predictions are clipped to [LOG_LOSS_CLIP, 1 - LOG_LOSS_CLIP] before taking logs (as the reference does). */
export const LOG_LOSS_CLIP = 1e-7;

/**
 * Mean binary cross-entropy of probabilities, clipped to [epsilon, 1 - epsilon]; NaN for no rows.
 * @param probabilities [N]  @param labels [N] 0/1
 */
export function logLoss(probabilities: ArrayLike<number>, labels: ArrayLike<number>, epsilon = LOG_LOSS_CLIP): number {
  if (probabilities.length !== labels.length) throw new Error(`log loss: ${probabilities.length} probabilities for ${labels.length} labels`);
  let sum = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const p = Math.min(Math.max(probabilities[i]!, epsilon), 1 - epsilon);
    sum -= labels[i]! > 0.5 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / probabilities.length;
}
