/**
 * Collaborative filtering as CTR models on a Criteo-format split: one categorical field plays the
 * user, another the item, and every training row is a (user, item, clicked) triple.
 *
 * The training rows become a users x items matrix whose entry is the pair's click rate (clicks /
 * impressions of that pair; users and items are the field values seen in training, renumbered).
 * Models (engine/cf):
 * - user-user and item-item neighbourhood CF, explicit predictions (weighted means of click rates,
 *   so each is an estimate of the click probability);
 * - explicit ALS on the click rates (x_u . y_i, a least-squares estimate of the probability);
 * - implicit ALS on the click counts (Hu-Koren-Volinsky): a ranking score, not a probability.
 * Each scores the test rows: a probability model's prediction is clipped into [PROBABILITY_FLOOR,
 * 1 - PROBABILITY_FLOOR] for the log loss (least squares can leave [0, 1]); the implicit model gets
 * AUC only. A test row whose user or item never appeared in training is predicted the training click
 * rate (implicit ALS: the lowest score), and the share of test rows with both known is reported.
 *
 * The rows come from engine/data/field-pair.ts (the worker reads them from a prepared split).
 *
 * Shape letters: L rows, U users, N items.
 */
import type { CollaborativeCtrKind, CollaborativeCtrResult, CollaborativeCtrRow, MetricValues } from '../../domain';
import { logLoss, rocAuc } from '../metrics/classification';
import { AlsModel } from './als';
import { RatingMatrix, type Entry } from './matrix';
import { ItemKnn, UserKnn, type ItemScorer } from './neighbourhood';

export const COLLABORATIVE_CTR_KINDS: readonly CollaborativeCtrKind[] = ['user-knn', 'item-knn', 'als', 'als-implicit'];

/** Fixed settings of the CF models on a field pair (neighbours, similarity, ALS factors and regularisation). */
export const CF_CTR_SETTINGS = { neighbours: 20, similarity: 'cosine', factors: 8, regularization: 1, alpha: 10, iterations: 10 } as const;

/** Predictions are clipped into [floor, 1 - floor] for the log loss. */
export const PROBABILITY_FLOOR = 1e-4;

/** The rows of a split as (user, item, clicked) triples of two fields' table rows. */
export interface FieldPairTriples {
  /** [L] */
  users: Int32Array;
  /** [L] */
  items: Int32Array;
  /** [L] */
  clicked: Uint8Array;
}

const finite = (value: number): number | null => (Number.isFinite(value) ? value : null);

/** AUC of any score; log loss, mean prediction and observed click rate of a probability only. */
function ctrMetrics(predictions: Float64Array, labels: Float32Array, probability: boolean): MetricValues {
  const auc = finite(rocAuc(predictions, labels));
  if (!probability) return { auc };
  let mean = 0;
  let clicks = 0;
  for (let row = 0; row < labels.length; row++) {
    mean += predictions[row]!;
    clicks += labels[row]!;
  }
  const L = Math.max(1, labels.length);
  return { auc, logLoss: finite(logLoss(predictions, labels)), meanPrediction: mean / L, observedCtr: clicks / L };
}

/** Dense numbering of the values seen in training. */
function renumber(values: Int32Array): Map<number, number> {
  const index = new Map<number, number>();
  for (const value of values) if (!index.has(value)) index.set(value, index.size);
  return index;
}

export interface CollaborativeCtrOptions {
  kinds?: readonly CollaborativeCtrKind[];
  seed?: number;
  log?: (line: string) => void;
}

const NAMES: Record<CollaborativeCtrKind, string> = {
  'user-knn': 'user-user CF',
  'item-knn': 'item-item CF',
  als: 'ALS explicit',
  'als-implicit': 'ALS implicit',
};

/** Fits the CF models on train's field pair and scores them on test's rows. */
export function compareCollaborativeCtr(train: FieldPairTriples, test: FieldPairTriples, userField: number, itemField: number, options: CollaborativeCtrOptions = {}): CollaborativeCtrResult {
  const log = options.log ?? (() => undefined);
  const userIndex = renumber(train.users);
  const itemIndex = renumber(train.items);
  const U = userIndex.size;
  const N = itemIndex.size;
  // per pair: impressions and clicks
  const pairs = new Map<number, { user: number; item: number; shown: number; clicks: number }>();
  let clicks = 0;
  for (let row = 0; row < train.users.length; row++) {
    const user = userIndex.get(train.users[row]!)!;
    const item = itemIndex.get(train.items[row]!)!;
    const key = user * N + item;
    const pair = pairs.get(key) ?? { user, item, shown: 0, clicks: 0 };
    pair.shown++;
    pair.clicks += train.clicked[row]!;
    clicks += train.clicked[row]!;
    pairs.set(key, pair);
  }
  const trainClickRate = train.users.length > 0 ? clicks / train.users.length : 0;
  const rates: Entry[] = [];
  const counts: Entry[] = [];
  for (const pair of pairs.values()) {
    rates.push({ user: pair.user, item: pair.item, value: pair.clicks / pair.shown });
    if (pair.clicks > 0) counts.push({ user: pair.user, item: pair.item, value: pair.clicks });
  }
  const rateMatrix = RatingMatrix.fromEntries(U, N, rates);
  const countMatrix = RatingMatrix.fromEntries(U, N, counts);

  // test rows grouped by known user; unknown users or items get the fallback
  const L = test.users.length;
  const testUser = new Int32Array(L);
  const testItem = new Int32Array(L);
  const byUser = new Map<number, number[]>();
  let known = 0;
  for (let row = 0; row < L; row++) {
    const user = userIndex.get(test.users[row]!) ?? -1;
    const item = itemIndex.get(test.items[row]!) ?? -1;
    testUser[row] = user;
    testItem[row] = item;
    if (user >= 0 && item >= 0) {
      known++;
      const list = byUser.get(user);
      if (list) list.push(row);
      else byUser.set(user, [row]);
    }
  }
  const labels = Float32Array.from(test.clicked);

  const s = CF_CTR_SETTINGS;
  const seed = options.seed ?? 1;
  const fit = (kind: CollaborativeCtrKind): ItemScorer => {
    switch (kind) {
      case 'user-knn':
        return new UserKnn(rateMatrix, { k: s.neighbours, similarity: s.similarity, feedback: 'explicit' });
      case 'item-knn':
        return new ItemKnn(rateMatrix, { k: s.neighbours, similarity: s.similarity, feedback: 'explicit' });
      case 'als':
        return AlsModel.fit(rateMatrix, { factors: s.factors, regularization: s.regularization, iterations: s.iterations, feedback: 'explicit', seed });
      case 'als-implicit':
        return AlsModel.fit(countMatrix, { factors: s.factors, regularization: s.regularization, alpha: s.alpha, iterations: s.iterations, feedback: 'implicit', seed });
    }
  };

  const rows: CollaborativeCtrRow[] = [];
  for (const kind of options.kinds ?? COLLABORATIVE_CTR_KINDS) {
    const started = performance.now();
    const model = fit(kind);
    const probability = kind !== 'als-implicit';
    const predictions = new Float64Array(L);
    let lowest = Infinity;
    for (const [user, list] of byUser) {
      const items = Int32Array.from(list, (row) => testItem[row]!);
      const out = new Float64Array(items.length);
      model.scoreItems(user, items, out);
      list.forEach((row, j) => {
        predictions[row] = probability ? Math.min(1 - PROBABILITY_FLOOR, Math.max(PROBABILITY_FLOOR, out[j]!)) : out[j]!;
        lowest = Math.min(lowest, out[j]!);
      });
    }
    const fallback = probability ? Math.min(1 - PROBABILITY_FLOOR, Math.max(PROBABILITY_FLOOR, trainClickRate)) : Number.isFinite(lowest) ? lowest - 1 : 0;
    for (let row = 0; row < L; row++) if (testUser[row]! < 0 || testItem[row]! < 0) predictions[row] = fallback;
    const fitSeconds = (performance.now() - started) / 1000;
    const metrics = ctrMetrics(predictions, labels, probability);
    rows.push({ kind, name: NAMES[kind], probability, test: metrics, fitSeconds });
    log(`${NAMES[kind]} (C${userField + 1} x C${itemField + 1}): test AUC ${metrics.auc?.toFixed(4) ?? 'n/a'}${probability ? `, log loss ${metrics.logLoss?.toFixed(4) ?? 'n/a'}` : ' (a score: no log loss)'}`);
  }
  return {
    userField,
    itemField,
    trainRows: train.users.length,
    testRows: L,
    users: U,
    items: N,
    pairs: pairs.size,
    testCoverage: L > 0 ? known / L : 0,
    trainClickRate,
    rows,
  };
}
