/**
 * What the trainer, checkpoints and model files need from a click-through-rate model, whatever its
 * kind (DLRM, DCN, factorisation machine, matrix factorisation, logistic regression).
 *
 * Every model has the same two kinds of parameters:
 * - embedding tables in host memory (an EmbeddingBagCollection of T tables of width W), outside the
 *   gradient tape, updated row by row by a sparse optimizer;
 * - dense parameters as tf.Variables, updated by a dense optimizer.
 * A step pools the batch's rows on the host ([B, T, W]), computes logits(dense, pooled) under the
 * tape, and takes gradients with respect to the pooled tensor and the variables.
 *
 * Shapes: B batch, I dense features, F categorical features of the data, T tables the model reads
 * (F for every kind except matrix factorisation, which reads two), W table width (D for DLRM and
 * DCN, D + 1 for FM and MF: column 0 is the linear weight or bias, 1 for logistic regression).
 */
import type * as tf from '@tensorflow/tfjs';
import type { ModelKind } from '../../domain';
import type { Batch, JaggedIndices } from '../data/types';
import type { EmbeddingTables } from './embedding-tables';

/** Everything needed to rebuild a model's numbers: tables and dense parameters as flat arrays. */
export interface ModelWeights {
  /** T tables, [rows_t, W] row-major. */
  tables: Float32Array[];
  /** The dense parameters in the order of variables(). */
  dense: Float32Array[];
}

/** Rows of a batch (or of a share of one) to take the loss and gradients of. */
export interface LossInput {
  /** [rows, I]. */
  dense: Float32Array;
  /** Pooled table rows, [rows, T, W]. */
  pooled: Float32Array;
  /** [rows]. */
  labels: Float32Array;
  rows: number;
  /** The loss is the mean binary cross-entropy of these rows times lossScale. */
  lossScale: number;
  /** Called as each part of the step ends (hybrid training times its phases with it); DLRM only. */
  mark?: (phase: LossPhase) => void;
}

/** The parts of a DLRM's loss and gradients, in order: bottom MLP, interaction, top MLP and loss, the whole backward. */
export type LossPhase = 'bottomMlp' | 'interaction' | 'topMlp' | 'backward';

/** Loss, gradient of the pooled rows (host memory) and of each dense variable (on the backend). */
export interface HostGradients {
  loss: number;
  /** [rows, T, W]. */
  pooledGradient: Float32Array;
  /** In the order of variables(). */
  denseGradients: tf.Tensor[];
}

export interface CtrModel {
  readonly kind: ModelKind;
  /** I. */
  readonly numDense: number;
  /** Rows of the table of each categorical feature of the data, [F] (what the model was built for). */
  readonly featureTableSizes: readonly number[];
  /** The host tables the model reads (T pooled vectors of width W; full, compressed or half-precision tables). */
  readonly embeddings: EmbeddingTables;
  /** Parameters: all table rows plus the dense parameters. */
  readonly paramCount: number;
  /** The categorical input the tables read: the batch's own for most kinds, two features for MF. */
  sparseInput(batch: Batch): JaggedIndices;
  /** Sum-pooled rows of a batch, [B, T, W]. */
  pool(batch: Batch): Float32Array;
  /** Dense parameters, in a fixed order (the order of weights().dense and of the gradients). */
  variables(): tf.Variable[];
  /**
   * Logits, differentiable with respect to `pooled` and to `weights` (substitutes for variables(),
   * same order) when given. Synchronous; call inside tf.tidy or a gradient function.
   * @param dense [B, I]  @param pooled [B, T, W]  @returns [B, 1]
   */
  logits(dense: tf.Tensor2D, pooled: tf.Tensor3D, weights?: readonly tf.Tensor[]): tf.Tensor2D;
  /**
   * Optional explicit backward for host backends (wasm, cpu): the same loss and gradients as the
   * taped logits() under tf.valueAndGrads, computed layer by layer without the tape. Call inside
   * tf.tidy; only on host backends (usesDeviceOps() false).
   */
  hostLossAndGradients?(input: LossInput): HostGradients;
  /** Logits [B] of a batch (no gradient). */
  batchLogits(batch: Batch): Float32Array;
  /** Click probabilities [B]. */
  predict(batch: Batch): Float32Array;
  /** A copy of the weights. */
  weights(): ModelWeights;
  /** Frees the variables (the host tables are left to the garbage collector). */
  dispose(): void;
}

/**
 * The bags of some features of a jagged batch, as a jagged batch of its own (views, no copy of the
 * values). Features keep the order given.
 */
export function selectFeatures(sparse: JaggedIndices, features: readonly number[]): JaggedIndices {
  const { batchSize: B, numFeatures: F, values, offsets } = sparse;
  const out = new Int32Array(features.length * B + 1);
  const parts: Int32Array[] = [];
  let at = 0;
  features.forEach((f, k) => {
    if (!Number.isInteger(f) || f < 0 || f >= F) throw new Error(`feature ${f} does not exist (the batch has ${F} categorical features)`);
    const start = offsets[f * B];
    for (let b = 0; b < B; b++) out[k * B + b] = at + offsets[f * B + b] - start;
    at += offsets[(f + 1) * B] - start;
    out[(k + 1) * B] = at;
    parts.push(values.subarray(start, offsets[(f + 1) * B]));
  });
  let selected: Int32Array;
  if (parts.length === 1) selected = parts[0];
  else {
    selected = new Int32Array(at);
    let o = 0;
    for (const p of parts) {
      selected.set(p, o);
      o += p.length;
    }
  }
  return { numFeatures: features.length, batchSize: B, values: selected, offsets: out };
}

/** Labels of the V = F + 1 interaction vectors: 'dense', then C1..CF (as explore/ labels them). */
export function vectorLabels(numFeatures: number): string[] {
  return ['dense', ...Array.from({ length: numFeatures }, (_, f) => `C${f + 1}`)];
}

/** Mean pairwise interaction of the V = F + 1 vectors over some rows (FM, DLRM). */
export interface InteractionStrengths {
  /** ['dense', 'C1', ..., 'CF'], [V]. */
  labels: string[];
  /** Mean <v_i, v_j> over the rows, [V][V] symmetric (diagonal: mean squared norm). */
  meanDot: number[][];
  /** Mean |<v_i, v_j>|, [V][V]. */
  meanAbsDot: number[][];
  rows: number;
}

/** Mean dot products of [B, V, D] vectors, accumulated over batches. */
export class PairDotAccumulator {
  private readonly sum: Float64Array;
  private readonly sumAbs: Float64Array;
  private rows = 0;
  constructor(readonly numVectors: number) {
    this.sum = new Float64Array(numVectors * numVectors);
    this.sumAbs = new Float64Array(numVectors * numVectors);
  }

  /**
   * @param vectors [B, V, width]; the dot runs over columns [from, width).
   */
  add(vectors: Float32Array, batchSize: number, width: number, from = 0): void {
    const V = this.numVectors;
    for (let b = 0; b < batchSize; b++) {
      const t = b * V * width;
      for (let i = 0; i < V; i++) {
        for (let j = 0; j <= i; j++) {
          let dot = 0;
          for (let d = from; d < width; d++) dot += vectors[t + i * width + d] * vectors[t + j * width + d];
          this.sum[i * V + j] += dot;
          this.sumAbs[i * V + j] += Math.abs(dot);
        }
      }
    }
    this.rows += batchSize;
  }

  result(): InteractionStrengths {
    const V = this.numVectors;
    const scale = this.rows > 0 ? 1 / this.rows : 0;
    const meanDot = Array.from({ length: V }, () => new Array<number>(V).fill(0));
    const meanAbsDot = Array.from({ length: V }, () => new Array<number>(V).fill(0));
    for (let i = 0; i < V; i++) {
      for (let j = 0; j <= i; j++) {
        meanDot[i][j] = meanDot[j][i] = this.sum[i * V + j] * scale;
        meanAbsDot[i][j] = meanAbsDot[j][i] = this.sumAbs[i * V + j] * scale;
      }
    }
    return { labels: vectorLabels(V - 1), meanDot, meanAbsDot, rows: this.rows };
  }
}
