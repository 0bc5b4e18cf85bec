/**
 * Held-out ranking metrics of a recommender: for each user, rank the candidate items (every item
 * except those the user had in training) by the model's score and compare the top k with the items
 * held out for that user.
 *
 * - precision@k = hits in the top k / k
 * - recall@k = hits in the top k / number of held-out items
 * - NDCG@k = DCG / ideal DCG, DCG = sum over ranks r = 1..k of hit_r / log2(r + 1) (binary relevance),
 *   ideal DCG the same with every held-out item ranked first (min(k, held-out) hits).
 * Averaged over the users who have at least one held-out item. Ties in score go to the lower item id.
 *
 * Shape letters: N items, K cut-off.
 */

export interface RankingMetrics {
  precision: number;
  recall: number;
  ndcg: number;
  /** Users averaged over (those with held-out items). */
  users: number;
}

/** precision, recall and NDCG at k of one ranked list against a set of relevant items. */
export function rankingAtK(ranked: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): { precision: number; recall: number; ndcg: number } {
  if (relevant.size === 0) return { precision: 0, recall: 0, ndcg: 0 };
  let hits = 0;
  let dcg = 0;
  const cut = Math.min(k, ranked.length);
  for (let r = 0; r < cut; r++) {
    if (relevant.has(ranked[r]!)) {
      hits++;
      dcg += 1 / Math.log2(r + 2);
    }
  }
  let ideal = 0;
  for (let r = 0; r < Math.min(k, relevant.size); r++) ideal += 1 / Math.log2(r + 2);
  return { precision: hits / k, recall: hits / relevant.size, ndcg: dcg / ideal };
}

/** The k best items by score, skipping excluded ones; ties to the lower id. */
export function topK(scores: ArrayLike<number>, count: number, k: number, excluded: ReadonlySet<number>): number[] {
  const order: number[] = [];
  for (let i = 0; i < count; i++) if (!excluded.has(i)) order.push(i);
  const value = (i: number): number => {
    const s = scores[i]!;
    return Number.isNaN(s) ? -Infinity : s;
  };
  order.sort((a, b) => value(b) - value(a) || a - b);
  return order.slice(0, k);
}

/**
 * Mean ranking metrics of a scorer over users.
 * @param score writes user's scores of items [0, itemCount) into out
 * @param train per user, the items seen in training (excluded from the candidates)
 * @param heldOut per user, the held-out relevant items
 */
export function evaluateRanking(
  score: (user: number, out: Float64Array) => void,
  itemCount: number,
  train: readonly ReadonlySet<number>[],
  heldOut: readonly ReadonlySet<number>[],
  k: number,
): RankingMetrics {
  const scores = new Float64Array(itemCount);
  let precision = 0;
  let recall = 0;
  let ndcg = 0;
  let users = 0;
  for (let user = 0; user < heldOut.length; user++) {
    const relevant = heldOut[user]!;
    if (relevant.size === 0) continue;
    score(user, scores);
    const ranked = topK(scores, itemCount, k, train[user] ?? new Set());
    const m = rankingAtK(ranked, relevant, k);
    precision += m.precision;
    recall += m.recall;
    ndcg += m.ndcg;
    users++;
  }
  return users > 0 ? { precision: precision / users, recall: recall / users, ndcg: ndcg / users, users } : { precision: 0, recall: 0, ndcg: 0, users: 0 };
}
