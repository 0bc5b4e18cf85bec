/**
 * Collaborative filtering as the simulator's rankers: user-user and item-item neighbourhood CF and
 * implicit ALS (engine/cf), fitted from scratch at every retrain on the clicks of the impression log
 * (a users x items matrix of click counts; impressions without a click are not used, as in implicit
 * feedback). Their scores rank items; they are not click probabilities (Scorer.scale 'score'). Items a
 * model cannot tell apart (most of the catalogue for a user with one click) are ordered by clicks.
 *
 * Shape letters: U users, A items available at the fit, L logged impressions.
 */
import { AlsModel, ItemKnn, RatingMatrix, UserKnn, type Entry, type ItemScorer } from '../cf';
import type { InteractionLog } from './log';
import type { ClickModelTrainer, Scorer } from './model';

export type CollaborativeKind = 'user-knn' | 'item-knn' | 'als';

/** Parameters of the CF policies (fixed; documented in README.md). */
export const CF_POLICY_SETTINGS = {
  /** Neighbours of user-knn and item-knn. */
  neighbours: 20,
  /** Similarity of user-knn and item-knn. */
  similarity: 'cosine',
  /** ALS factors, regularisation, confidence alpha and alternations per fit. */
  alsFactors: 8,
  alsRegularization: 1,
  alsAlpha: 10,
  alsIterations: 8,
} as const;

/** The clicks of the log as an implicit users x items count matrix [U, A]. */
export function clickMatrix(log: InteractionLog, users = log.features.userCount, items = log.features.itemCount, rows?: ArrayLike<number>): RatingMatrix {
  const entries: Entry[] = [];
  const clicked = log.clicked;
  const push = (row: number): void => {
    if (clicked[row] === 1 && log.items[row]! < items && log.users[row]! < users) entries.push({ user: log.users[row]!, item: log.items[row]!, value: 1 });
  };
  if (rows === undefined) for (let row = 0; row < log.length; row++) push(row);
  else for (let k = 0; k < rows.length; k++) push(rows[k]!);
  return RatingMatrix.fromEntries(users, items, entries);
}

/** Fits the CF model of `kind` on a click matrix. */
export function fitCollaborative(kind: CollaborativeKind, matrix: RatingMatrix, seed: number): ItemScorer {
  const s = CF_POLICY_SETTINGS;
  switch (kind) {
    case 'user-knn':
      return new UserKnn(matrix, { k: s.neighbours, similarity: s.similarity, feedback: 'implicit' });
    case 'item-knn':
      return new ItemKnn(matrix, { k: s.neighbours, similarity: s.similarity, feedback: 'implicit' });
    case 'als':
      return AlsModel.fit(matrix, {
        factors: s.alsFactors, regularization: s.alsRegularization, alpha: s.alsAlpha, iterations: s.alsIterations,
        feedback: 'implicit', seed,
      });
  }
}

/** A CF model behind the simulator's ClickModelTrainer interface. */
export class CollaborativeTrainer implements ClickModelTrainer {
  constructor(
    readonly kind: CollaborativeKind,
    private readonly seed: number,
  ) {}

  fit(log: InteractionLog): Scorer {
    const matrix = clickMatrix(log);
    const model = fitCollaborative(this.kind, matrix, this.seed);
    const popularity = tieBreaker(matrix);
    return {
      score: (user, items, out) => {
        model.scoreItems(user, items, out);
        for (let j = 0; j < items.length; j++) out[j]! += popularity[items[j]!] ?? 0;
      },
      cacheable: true,
      scale: 'score',
    };
  }
}

/**
 * [A] clicks of each item scaled into [0, TIE_BREAK]: added to the CF scores so that the many items a
 * sparse neighbourhood scores exactly 0 are ordered by popularity instead of by id.
 */
export const TIE_BREAK = 1e-6;

function tieBreaker(matrix: RatingMatrix): Float64Array {
  const counts = new Float64Array(matrix.items);
  let most = 0;
  for (let i = 0; i < matrix.items; i++) {
    for (let e = matrix.colStart[i]!; e < matrix.colStart[i + 1]!; e++) counts[i]! += matrix.colValues[e]!;
    most = Math.max(most, counts[i]!);
  }
  if (most > 0) for (let i = 0; i < matrix.items; i++) counts[i] = (TIE_BREAK * counts[i]!) / most;
  return counts;
}
