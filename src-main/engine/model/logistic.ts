/**
 * Logistic regression on hashed features, the "predictive analytics" baseline:
 *   logit = c + x . p + sum_f w_f[row_f]
 * one weight per hashed value of each categorical field (tables of width 1, sparse updates like any
 * embedding), a linear layer over the I dense features and a bias. It is a factorisation machine
 * without factors, and is built as one (factorDim 0), so it trains, saves and loads the same way.
 */
import type { ModelKind } from '../../domain';
import type { ModelWeights } from './ctr-model';
import { Mlp } from './dense';
import { EmbeddingBagCollection } from './embedding';
import { FactorizationMachine } from './fm';
import type { Rng } from '../random/rng';

export class LogisticRegression extends FactorizationMachine {
  override readonly kind: ModelKind = 'lr';

  /** Fresh weights: all zero, the usual start of a convex model (the seed does not matter). */
  static override create(shape: { numDense: number }, tableSizes: readonly number[], _seed: number | Rng): LogisticRegression {
    const dense = [new Float32Array(shape.numDense), new Float32Array(1)];
    return new LogisticRegression({ numDense: shape.numDense, factorDim: 0 }, tableSizes, new EmbeddingBagCollection(tableSizes, 1), new Mlp('linear', [shape.numDense, 1], true, dense));
  }

  /** From saved weights: F tables of width 1; dense = [p (I x 1), c (1)]. */
  static override fromWeights(shape: { numDense: number }, tableSizes: readonly number[], weights: ModelWeights): LogisticRegression {
    return new LogisticRegression({ numDense: shape.numDense, factorDim: 0 }, tableSizes, new EmbeddingBagCollection(tableSizes, 1, weights.tables), new Mlp('linear', [shape.numDense, 1], true, weights.dense));
  }

  /** The weight of row `row` of feature f. */
  weightOf(f: number, row: number): number {
    return this.embeddings.tables[f][row];
  }
}
