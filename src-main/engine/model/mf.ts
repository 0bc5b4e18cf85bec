/**
 * Matrix factorisation as a two-field special case, trained like every other model:
 *   logit = <u, i> + b_u + b_i + b
 * The user field and the item field are two categorical features of the data (by default C1 and C2;
 * see MfArchitecture). Their tables are D + 1 wide: column 0 is the bias b_u (b_i), columns 1..D the
 * factor vector. The dense features are not used. The logit is the factorisation term of fm.ts over
 * the two fields plus a global bias b (the only tf.Variable).
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelKind } from '../../domain';
import type { Batch, JaggedIndices } from '../data/types';
import { selectFeatures, type CtrModel, type ModelWeights } from './ctr-model';
import { EmbeddingBagCollection } from './embedding';
import { factorizationTerm } from './fm';
import type { MfArchitecture } from './model-spec';
import { Rng } from '../random/rng';
import { tidyValues } from './tidy-values';

export class MatrixFactorization implements CtrModel {
  readonly kind: ModelKind = 'mf';
  readonly embeddings: EmbeddingBagCollection;
  /** b, [1]. */
  readonly bias: tf.Variable<tf.Rank.R1>;

  private constructor(
    readonly arch: MfArchitecture,
    readonly featureTableSizes: readonly number[],
    embeddings: EmbeddingBagCollection,
    bias: Float32Array,
  ) {
    if (featureTableSizes.length !== arch.numFeatures) throw new Error(`got ${featureTableSizes.length} table sizes for ${arch.numFeatures} categorical features`);
    if (bias.length !== 1) throw new Error(`matrix factorisation: expected 1 bias value, got ${bias.length}`);
    this.embeddings = embeddings;
    // built in a tidy so the initial value tensor does not outlive it
    this.bias = tf.tidy(() => tf.variable(tf.tensor1d(bias), true));
  }

  private static tableSizesOf(arch: MfArchitecture, featureTableSizes: readonly number[]): number[] {
    return [featureTableSizes[arch.userField], featureTableSizes[arch.itemField]];
  }

  /** Fresh weights: user then item table U(-sqrt(1/n), sqrt(1/n)) (every column), bias 0. */
  static create(arch: MfArchitecture, featureTableSizes: readonly number[], seed: number | Rng): MatrixFactorization {
    const rng = typeof seed === 'number' ? new Rng(seed) : seed;
    const embeddings = EmbeddingBagCollection.initialized(MatrixFactorization.tableSizesOf(arch, featureTableSizes), arch.factorDim + 1, rng);
    return new MatrixFactorization(arch, featureTableSizes, embeddings, new Float32Array(1));
  }

  /** From saved weights: tables [user, item], dense [bias]. */
  static fromWeights(arch: MfArchitecture, featureTableSizes: readonly number[], weights: ModelWeights): MatrixFactorization {
    const embeddings = new EmbeddingBagCollection(MatrixFactorization.tableSizesOf(arch, featureTableSizes), arch.factorDim + 1, weights.tables);
    if (weights.dense.length !== 1) throw new Error(`matrix factorisation: expected 1 dense array (the bias), got ${weights.dense.length}`);
    return new MatrixFactorization(arch, featureTableSizes, embeddings, weights.dense[0]);
  }

  get numDense(): number {
    return this.arch.numDense;
  }
  get paramCount(): number {
    return this.embeddings.paramCount + 1;
  }
  /** W = D + 1. */
  get width(): number {
    return this.arch.factorDim + 1;
  }

  /** The user and item bags of the batch (2 features). */
  sparseInput(batch: Batch): JaggedIndices {
    return selectFeatures(batch.sparse, [this.arch.userField, this.arch.itemField]);
  }
  /** [B, 2, D + 1]: user row, item row. */
  pool(batch: Batch): Float32Array {
    return this.embeddings.pool(this.sparseInput(batch));
  }
  variables(): tf.Variable[] {
    return [this.bias as tf.Variable];
  }

  /** @param _dense unused  @param pooled [B, 2, D + 1]  @returns [B, 1] */
  logits(_dense: tf.Tensor2D, pooled: tf.Tensor3D, weights?: readonly tf.Tensor[]): tf.Tensor2D {
    const bias = weights ? weights[0] : this.bias;
    return tf.add(factorizationTerm(pooled), bias) as tf.Tensor2D;
  }

  batchLogits(batch: Batch): Float32Array {
    const pooled = this.pool(batch);
    const B = batch.size;
    return tidyValues(() => this.logits(tf.zeros([B, this.numDense]), tf.tensor3d(pooled, [B, 2, this.width])));
  }

  predict(batch: Batch): Float32Array {
    const logits = this.batchLogits(batch);
    for (let i = 0; i < logits.length; i++) logits[i] = 1 / (1 + Math.exp(-logits[i]));
    return logits;
  }

  /** User (0) or item (1) table, row-major [rows, D + 1] (column 0 the bias). A view. */
  table(side: 0 | 1): Float32Array {
    return this.embeddings.tables[side];
  }

  weights(): ModelWeights {
    return { tables: this.embeddings.tables.map((t) => t.slice()), dense: [(this.bias.dataSync() as Float32Array).slice()] };
  }

  dispose(): void {
    this.bias.dispose();
  }
}
