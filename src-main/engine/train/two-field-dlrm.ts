/**
 * The two-field DLRM of the ALS tie (engine/sim/mf-tie.ts): model kind 'mf' (logit = <u, i> + b_u +
 * b_i + b) trained by the app's trainer on a users x items impression log, its tables read back to
 * the host.
 *
 * Shape letters: B batch, L impressions, U users, N items, D factors.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/types';
import { MatrixFactorization } from '../model/mf';
import type { ModelSpecWithFields } from '../model/model-spec';
import { Rng } from '../random/rng';
import type { MfTieOptions, TwoFieldEmbeddings, TwoFieldLog } from '../sim/mf-tie';
import { ModelTrainer } from './trainer';

/** Columns 1..D and column 0 of a [rows, D + 1] table. */
function splitTable(table: Float32Array, rows: number, D: number): { factors: Float64Array; bias: Float64Array } {
  const factors = new Float64Array(rows * D);
  const bias = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    bias[r] = table[r * (D + 1)]!;
    for (let d = 0; d < D; d++) factors[r * D + d] = table[r * (D + 1) + 1 + d]!;
  }
  return { factors, bias };
}

/** A one-hot batch of B (user, item) rows: F = 2 features, one dense zero per row (the model ignores it). */
export function twoFieldBatch(users: ArrayLike<number>, items: ArrayLike<number>, labels?: ArrayLike<number>): Batch {
  const B = users.length;
  const values = new Int32Array(2 * B);
  const offsets = new Int32Array(2 * B + 1);
  for (let i = 0; i <= 2 * B; i++) offsets[i] = i;
  for (let b = 0; b < B; b++) {
    values[b] = users[b]!;
    values[B + b] = items[b]!;
  }
  const labelArray = new Float32Array(B);
  if (labels) for (let b = 0; b < B; b++) labelArray[b] = labels[b]!;
  return { size: B, dense: new Float32Array(B), sparse: { numFeatures: 2, batchSize: B, values, offsets }, labels: labelArray };
}

/**
 * Trains the two-field DLRM (kind 'mf') on the log by the app's trainer: Adam on the global bias,
 * row-wise Adagrad on the tables, log loss, seeded shuffles.
 * @returns the trainer (the caller disposes it) and its tables on the host.
 */
export function trainTwoFieldDlrm(log: TwoFieldLog, options: MfTieOptions = {}): { trainer: ModelTrainer; embeddings: TwoFieldEmbeddings } {
  const D = options.factors ?? 8;
  const seed = options.seed ?? 1;
  const B = options.batchSize ?? 128;
  const learningRate = options.learningRate ?? 0.1;
  const U = log.userCount;
  const N = log.itemCount;
  const spec: ModelSpecWithFields = { kind: 'mf', embeddingDim: D, bottomMlp: '', topMlp: '', interaction: 'dot', hashSize: Math.max(U, N), userField: 0, itemField: 1 };
  const trainer = new ModelTrainer({
    model: spec,
    optimizer: { dense: 'adam', sparse: 'rowwise-adagrad', learningRate, warmupSteps: 0, decay: 'none' },
    train: { batchSize: B, epochs: 1, evalEvery: 0, seed, maxBadRowShare: 0, checkpointEvery: 0 },
    tableSizes: [U, N],
    numDense: 1,
  });
  const L = log.users.length;
  const order = Int32Array.from({ length: L }, (_, i) => i);
  const rng = new Rng(seed);
  const users = new Int32Array(B);
  const items = new Int32Array(B);
  const labels = new Float32Array(B);
  for (let epoch = 0; epoch < (options.dlrmEpochs ?? 20); epoch++) {
    for (let i = L - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    for (let at = 0; at < L; at += B) {
      const size = Math.min(B, L - at);
      for (let b = 0; b < size; b++) {
        const row = order[at + b]!;
        users[b] = log.users[row]!;
        items[b] = log.items[row]!;
        labels[b] = log.clicked[row]!;
      }
      trainer.step(twoFieldBatch(users.subarray(0, size), items.subarray(0, size), labels.subarray(0, size)), learningRate);
    }
  }
  const model = trainer.model;
  if (!(model instanceof MatrixFactorization)) throw new Error('the two-field DLRM is not a matrix-factorisation model');
  const userTable = splitTable(model.embeddings.tables[0]!, U, D);
  const itemTable = splitTable(model.embeddings.tables[1]!, N, D);
  const bias = tf.tidy(() => model.bias.dataSync()[0]!);
  return {
    trainer,
    embeddings: { user: userTable.factors, item: itemTable.factors, userBias: userTable.bias, itemBias: itemTable.bias, bias, D },
  };
}

/** trainTwoFieldDlrm without the trainer: its tables on the host, its tensors freed. */
export function fitTwoFieldDlrm(log: TwoFieldLog, options: MfTieOptions): TwoFieldEmbeddings {
  const { trainer, embeddings } = trainTwoFieldDlrm(log, options);
  trainer.dispose();
  return embeddings;
}
