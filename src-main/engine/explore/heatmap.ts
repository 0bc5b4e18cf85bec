/**
 * Interaction heatmaps: what the dot-product interaction computes, averaged over sampled rows or for
 * one row. Matrices are [V][V] (V = F + 1, labels 'dense', C1..CF), symmetric.
 *
 * Contribution of a pair = gradient x input: (d logit / d dot_ij) * dot_ij, the first-order share of
 * the logit that flows through that dot product. The model may report the gradient in either triangle
 * (or split over both); both halves are summed into the unordered pair and shown in both cells, so the
 * sum over the lower triangle plus the diagonal is the total first-order contribution. For a logit
 * that is linear in the dots (no top MLP) that total is exactly logit - bias.
 */
import type { Batch } from '../data/types';
import { interactionLabels, sliceBatch } from './batch';
import { logLoss } from './metrics';
import type { ExplainableModel } from './model-interface';

export interface InteractionHeatmap {
  /** ['dense', 'C1', ..., 'CF'], [V]. */
  labels: string[];
  /** Mean of <v_i, v_j> over the rows, [V][V]. */
  meanDot: number[][];
  /** Mean of |<v_i, v_j>|, [V][V]. */
  meanAbsDot: number[][];
  /** Mean gradient x input of the unordered pair {i, j}, [V][V]. */
  contribution: number[][];
  /** Rows averaged over. */
  rows: number;
}

export interface RowHeatmap extends InteractionHeatmap {
  /** The model's click probability for the row. */
  prediction: number;
  /** Its label 0/1. */
  label: number;
}

const squareMatrix = (size: number): number[][] => Array.from({ length: size }, () => new Array<number>(size).fill(0));

/**
 * Dot products of every pair of interaction vectors of every row.
 * @param vectors [B, V, D]. @returns [B, V, V].
 */
export function pairDots(vectors: Float32Array, batchSize: number, numVectors: number, dim: number): Float64Array {
  const V = numVectors;
  const out = new Float64Array(batchSize * V * V);
  for (let b = 0; b < batchSize; b++) {
    for (let i = 0; i < V; i++) {
      for (let j = 0; j <= i; j++) {
        let dot = 0;
        for (let d = 0; d < dim; d++) dot += vectors[(b * V + i) * dim + d] * vectors[(b * V + j) * dim + d];
        out[b * V * V + i * V + j] = dot;
        out[b * V * V + j * V + i] = dot;
      }
    }
  }
  return out;
}

/**
 * Per-row gradient x input of each unordered pair, both triangles summed, [B, V, V] symmetric.
 * @param gradients [B, V, V] from model.pairGradients. @param dots [B, V, V] from pairDots.
 */
export function pairContributions(gradients: Float32Array, dots: Float64Array, batchSize: number, numVectors: number): Float64Array {
  const V = numVectors;
  const out = new Float64Array(batchSize * V * V);
  for (let b = 0; b < batchSize; b++) {
    const base = b * V * V;
    for (let i = 0; i < V; i++) {
      out[base + i * V + i] = gradients[base + i * V + i] * dots[base + i * V + i];
      for (let j = 0; j < i; j++) {
        const total = (gradients[base + i * V + j] + gradients[base + j * V + i]) * dots[base + i * V + j];
        out[base + i * V + j] = total;
        out[base + j * V + i] = total;
      }
    }
  }
  return out;
}

/** Mean dot, mean |dot| and mean contribution over all rows of the given batches. */
export function interactionHeatmap(model: ExplainableModel, batches: Batch | readonly Batch[]): InteractionHeatmap {
  const list = Array.isArray(batches) ? (batches as readonly Batch[]) : [batches as Batch];
  const V = model.numFeatures + 1;
  const D = model.embeddingDim;
  const sumDot = new Float64Array(V * V);
  const sumAbsDot = new Float64Array(V * V);
  const sumContribution = new Float64Array(V * V);
  let rows = 0;
  for (const batch of list) {
    if (batch.size === 0) continue;
    const dots = pairDots(model.interactionVectors(batch), batch.size, V, D);
    const contributions = pairContributions(model.pairGradients(batch), dots, batch.size, V);
    for (let b = 0; b < batch.size; b++) {
      for (let t = 0; t < V * V; t++) {
        const dot = dots[b * V * V + t];
        sumDot[t] += dot;
        sumAbsDot[t] += Math.abs(dot);
        sumContribution[t] += contributions[b * V * V + t];
      }
    }
    rows += batch.size;
  }
  const meanDot = squareMatrix(V);
  const meanAbsDot = squareMatrix(V);
  const contribution = squareMatrix(V);
  const scale = rows > 0 ? 1 / rows : 0;
  for (let i = 0; i < V; i++) {
    for (let j = 0; j < V; j++) {
      meanDot[i][j] = sumDot[i * V + j] * scale;
      meanAbsDot[i][j] = sumAbsDot[i * V + j] * scale;
      contribution[i][j] = sumContribution[i * V + j] * scale;
    }
  }
  return { labels: interactionLabels(model.numFeatures), meanDot, meanAbsDot, contribution, rows };
}

/** The heatmap of one example of a batch, with its prediction and label. */
export function rowInteractionHeatmap(model: ExplainableModel, batch: Batch, index: number): RowHeatmap {
  const row = sliceBatch(batch, index, index + 1);
  const heatmap = interactionHeatmap(model, row);
  return { ...heatmap, prediction: model.predict(row)[0], label: row.labels[0] };
}

/**
 * Increase in mean log loss when the dot product of one pair is zeroed (through the model's pairMask),
 * for every unordered pair i > j: [V][V] symmetric, diagonal 0. Costs V(V-1)/2 forward passes of
 * the top of the model over the batch, so keep the batch small (a few hundred rows).
 */
export function pairRemovalLogLoss(model: ExplainableModel, batch: Batch): number[][] {
  const V = model.numFeatures + 1;
  const vectors = model.interactionVectors(batch);
  const probabilities = (logits: Float32Array): Float64Array => Float64Array.from(logits, (x) => 1 / (1 + Math.exp(-x)));
  const baseline = logLoss(probabilities(model.logitsFromVectors(vectors, batch.size)), batch.labels);
  const out = squareMatrix(V);
  const mask = new Float32Array(V * V).fill(1);
  for (let i = 1; i < V; i++) {
    for (let j = 0; j < i; j++) {
      mask[i * V + j] = 0;
      mask[j * V + i] = 0;
      const change = logLoss(probabilities(model.logitsFromVectors(vectors, batch.size, mask)), batch.labels) - baseline;
      out[i][j] = change;
      out[j][i] = change;
      mask[i * V + j] = 1;
      mask[j * V + i] = 1;
    }
  }
  return out;
}
