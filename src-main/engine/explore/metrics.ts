/**
 * The two metrics feature-removal importance needs, kept here so explore/ does not depend on train/:
 * exact ROC AUC (ties count one half) and mean binary log loss.
 */

/**
 * Exact area under the ROC curve: the probability that a random positive scores above a random
 * negative, ties counting 1/2 (Mann-Whitney U with average ranks). O(N log N).
 * @param scores [N]. @param labels [N] 0/1.
 * @returns AUC in [0, 1], or NaN when one class is absent.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  if (labels.length !== n) throw new Error(`got ${n} scores and ${labels.length} labels`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]] === scores[order[start]]) end++;
    const averageRank = (start + 1 + end) / 2; // 1-based ranks start+1 .. end
    for (let t = start; t < end; t++) {
      if (labels[order[t]] > 0.5) {
        positives++;
        positiveRankSum += averageRank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Mean binary cross-entropy of probabilities, clipped to [epsilon, 1 - epsilon].
 * @param probabilities [N]. @param labels [N] 0/1.
 */
export function logLoss(probabilities: ArrayLike<number>, labels: ArrayLike<number>, epsilon = 1e-7): number {
  const n = probabilities.length;
  if (labels.length !== n) throw new Error(`got ${n} probabilities and ${labels.length} labels`);
  if (n === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.min(Math.max(probabilities[i], epsilon), 1 - epsilon);
    sum -= labels[i] > 0.5 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / n;
}
