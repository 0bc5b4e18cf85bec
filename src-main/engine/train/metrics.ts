/**
 * Evaluation metrics as pure functions of predicted click probabilities and 0/1 labels.
 * No tfjs: these run on Float32Arrays in plain JS.
 */
import type { MetricValues } from '../../domain';
import { logLoss, rocAuc } from '../metrics/classification';

export { LOG_LOSS_CLIP, logLoss } from '../metrics/classification';

/** Exact ROC AUC, ties counting one half; null when only one class is present. */
export function auc(predictions: ArrayLike<number>, labels: ArrayLike<number>): number | null {
  const value = rocAuc(predictions, labels);
  return Number.isNaN(value) ? null : value;
}

function checkLengths(predictions: ArrayLike<number>, labels: ArrayLike<number>): void {
  if (predictions.length !== labels.length) {
    throw new Error(`${predictions.length} predictions for ${labels.length} labels`);
  }
}

/** Share of rows where (p > threshold) matches the label. */
export function accuracy(predictions: ArrayLike<number>, labels: ArrayLike<number>, threshold = 0.5): number {
  checkLengths(predictions, labels);
  let right = 0;
  for (let i = 0; i < predictions.length; i++) if (predictions[i] > threshold === labels[i] > 0.5) right++;
  return right / predictions.length;
}

/** Mean prediction vs observed click rate. */
export function calibration(predictions: ArrayLike<number>, labels: ArrayLike<number>): { meanPrediction: number; observedCtr: number } {
  checkLengths(predictions, labels);
  let sumP = 0;
  let sumY = 0;
  for (let i = 0; i < predictions.length; i++) {
    sumP += predictions[i];
    sumY += labels[i] > 0.5 ? 1 : 0;
  }
  return { meanPrediction: sumP / predictions.length, observedCtr: sumY / predictions.length };
}

/** Entropy (nats) of a Bernoulli(p). */
export function bernoulliEntropy(p: number): number {
  if (p <= 0 || p >= 1) return 0;
  return -(p * Math.log(p) + (1 - p) * Math.log(1 - p));
}

/**
 * Normalized entropy (He et al. 2014): log loss divided by the entropy of the observed click rate,
 * i.e. relative to always predicting the base rate. Below 1 is better than that baseline.
 * @returns null when the labels are all one class.
 */
export function normalizedEntropy(predictions: ArrayLike<number>, labels: ArrayLike<number>): number | null {
  const { observedCtr } = calibration(predictions, labels);
  const h = bernoulliEntropy(observedCtr);
  return h > 0 ? logLoss(predictions, labels) / h : null;
}

const finiteOrNull = (v: number | null): number | null => (v === null || !Number.isFinite(v) ? null : v);

/** All metrics at once, non-finite values as null (the wire format). */
export function computeMetrics(predictions: ArrayLike<number>, labels: ArrayLike<number>): MetricValues {
  if (predictions.length === 0) {
    return { logLoss: null, auc: null, accuracy: null, normalizedEntropy: null, meanPrediction: null, observedCtr: null };
  }
  const cal = calibration(predictions, labels);
  return {
    logLoss: finiteOrNull(logLoss(predictions, labels)),
    auc: finiteOrNull(auc(predictions, labels)),
    accuracy: finiteOrNull(accuracy(predictions, labels)),
    normalizedEntropy: finiteOrNull(normalizedEntropy(predictions, labels)),
    meanPrediction: finiteOrNull(cal.meanPrediction),
    observedCtr: finiteOrNull(cal.observedCtr),
  };
}
