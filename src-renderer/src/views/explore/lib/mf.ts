/**
 * Numbers of the matrix-factorisation view: for rows scored by a model, the dot product of the
 * user-field and item-field embeddings against the model's logit, and a least-squares line through
 * them. A DLRM with only those two fields and no MLP layers (the top reduced to one linear unit)
 * scores logit = w <u, i> + b: matrix factorisation exactly when the residuals are 0.
 */
export interface MfRow {
  row: number;
  dot: number;
  prediction: number;
  logit: number;
  label: number | null;
}

export interface LineFit {
  slope: number;
  intercept: number;
  /** Largest |logit - (slope dot + intercept)|. */
  maxResidual: number;
  /** Pearson correlation of dot and logit (null when either is constant). */
  correlation: number | null;
}

/** log(p / (1 - p)), clamped away from 0 and 1 so a saturated prediction stays finite. */
export function logit(probability: number): number {
  const p = Math.min(1 - 1e-7, Math.max(1e-7, probability));
  return Math.log(p / (1 - p));
}

/** The pair value of a [V][V] matrix whichever triangle holds it (the other one may be 0). */
export function pairValue(matrix: number[][], a: number, b: number): number {
  const lower = matrix[Math.max(a, b)]?.[Math.min(a, b)] ?? 0;
  const upper = matrix[Math.min(a, b)]?.[Math.max(a, b)] ?? 0;
  return lower !== 0 ? lower : upper;
}

/** Ordinary least squares logit ~ slope * dot + intercept. */
export function fitLine(rows: readonly MfRow[]): LineFit {
  const n = rows.length;
  if (n === 0) return { slope: 0, intercept: 0, maxResidual: 0, correlation: null };
  let meanX = 0;
  let meanY = 0;
  for (const row of rows) {
    meanX += row.dot / n;
    meanY += row.logit / n;
  }
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (const row of rows) {
    sxx += (row.dot - meanX) ** 2;
    syy += (row.logit - meanY) ** 2;
    sxy += (row.dot - meanX) * (row.logit - meanY);
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const intercept = meanY - slope * meanX;
  let maxResidual = 0;
  for (const row of rows) maxResidual = Math.max(maxResidual, Math.abs(row.logit - (slope * row.dot + intercept)));
  const correlation = sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : null;
  return { slope, intercept, maxResidual, correlation };
}
