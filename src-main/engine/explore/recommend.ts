/**
 * Recommendations: one context row, one categorical feature treated as the item; every candidate
 * item row is substituted into the context and scored by the model (in batches), the top k are kept,
 * and for those the interaction pairs that drive the score are reported (gradient x input).
 */
import type { Batch } from '../data/types';
import { interactionLabels, repeatWithFeature } from './batch';
import { pairContributions, pairDots } from './heatmap';
import type { ExplainableModel } from './model-interface';

export interface ItemCandidate {
  /** Table row of the item in the item feature's table. */
  row: number;
  /** Occurrences in the data and clicks among them. */
  count: number;
  clicks: number;
}

export interface DrivingPair {
  a: string;
  b: string;
  /** Gradient x input of the pair for this (context, item) row; sign kept. */
  contribution: number;
}

export interface ItemRecommendation {
  itemRow: number;
  /** Predicted click probability with this item in the context. */
  score: number;
  /** clicks / count, or null when count is 0. */
  observedCtr: number | null;
  count: number;
  /** Strongest pairs by |contribution|, strongest first. */
  topPairs: DrivingPair[];
}

export interface RecommendOptions {
  k: number;
  /** Example of `context` used as the context. Default 0. */
  contextIndex?: number;
  /** Candidates scored per predict call. Default 1024. */
  chunkSize?: number;
  /** Pairs reported per item. Default 3. */
  pairsPerItem?: number;
}

/**
 * Top-k items for a context, by predicted click probability (ties: higher count, then lower row).
 * @param context a batch holding the context row (bags are reduced to their first row).
 * @param itemFeature categorical feature index 0..F-1 treated as the item.
 */
export function recommendItems(
  model: ExplainableModel,
  context: Batch,
  itemFeature: number,
  candidates: readonly ItemCandidate[],
  options: RecommendOptions,
): ItemRecommendation[] {
  const F = model.numFeatures;
  if (!Number.isInteger(itemFeature) || itemFeature < 0 || itemFeature >= F) throw new Error(`item feature ${itemFeature} is outside 0..${F - 1}`);
  const contextIndex = options.contextIndex ?? 0;
  const chunkSize = Math.max(1, options.chunkSize ?? 1024);
  const tableRows = model.tableSizes[itemFeature];
  for (const candidate of candidates) {
    if (!Number.isInteger(candidate.row) || candidate.row < 0 || candidate.row >= tableRows) {
      throw new Error(`candidate row ${candidate.row} is outside table C${itemFeature + 1} (${tableRows} rows)`);
    }
  }
  const scores = new Float32Array(candidates.length);
  for (let start = 0; start < candidates.length; start += chunkSize) {
    const rows = candidates.slice(start, start + chunkSize).map((c) => c.row);
    scores.set(model.predict(repeatWithFeature(context, contextIndex, itemFeature, rows)), start);
  }
  const order = Array.from({ length: candidates.length }, (_, i) => i).sort(
    (a, b) => scores[b] - scores[a] || candidates[b].count - candidates[a].count || candidates[a].row - candidates[b].row,
  );
  const top = order.slice(0, Math.max(0, options.k));
  if (top.length === 0) return [];

  // Explain the winners: gradient x input of every pair, on a batch of just the top k.
  const V = F + 1;
  const names = interactionLabels(F);
  const batch = repeatWithFeature(context, contextIndex, itemFeature, top.map((i) => candidates[i].row));
  const dots = pairDots(model.interactionVectors(batch), batch.size, V, model.embeddingDim);
  const contributions = pairContributions(model.pairGradients(batch), dots, batch.size, V);
  const pairsPerItem = options.pairsPerItem ?? 3;
  return top.map((candidateIndex, b) => {
    const pairs: DrivingPair[] = [];
    for (let i = 0; i < V; i++) {
      for (let j = 0; j <= i; j++) {
        const contribution = contributions[b * V * V + i * V + j];
        if (contribution !== 0) pairs.push({ a: names[i], b: names[j], contribution });
      }
    }
    pairs.sort((p, q) => Math.abs(q.contribution) - Math.abs(p.contribution));
    const candidate = candidates[candidateIndex];
    return {
      itemRow: candidate.row,
      score: scores[candidateIndex],
      observedCtr: candidate.count > 0 ? candidate.clicks / candidate.count : null,
      count: candidate.count,
      topPairs: pairs.slice(0, pairsPerItem),
    };
  });
}
