/**
 * Exact ROC AUC with ties (data/ keeps its own small copy; train/ has the metrics of record).
 * AUC = (sum of positive ranks - P(P+1)/2) / (P * Q), tied scores get their mean rank
 * (the same rule as ../shared/peer/torch_dlrm.py's auc()).
 */
export function exactAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  if (labels.length !== n) throw new Error(`auc: ${n} scores but ${labels.length} labels`);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const sorted = Float64Array.from(scores);
  order.sort((a, b) => sorted[a] - sorted[b]);
  let positives = 0;
  let positiveRankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && sorted[order[j + 1]] === sorted[order[i]]) j++;
    const meanRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]] > 0.5) {
        positives++;
        positiveRankSum += meanRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
