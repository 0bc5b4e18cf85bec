/**
 * Neighbourhood collaborative filtering (the course's Part I): user-user and item-item, with cosine
 * or Pearson similarity and k neighbours.
 *
 * Similarity of two users u, v (rows of the matrix):
 * - cosine: sum_i r_ui r_vi / (|r_u| |r_v|), the norms over every observed entry of each user;
 * - pearson: the correlation over the items both rated, each value centred on its user's mean over
 *   all that user's ratings (Herlocker et al. 1999). 0 when either centred vector is 0 there.
 * Similarity of two items i, j (columns): cosine likewise; pearson is the adjusted cosine of Sarwar
 * et al. 2001: over the users who rated both, each value centred on that user's mean.
 *
 * Neighbours: the k most similar others with a positive similarity (ties to the lower index).
 *
 * Predictions, with N_k(u) the user's neighbours and N_k(i) the item's:
 * - user-user, implicit: score(u, i) = sum_{v in N_k(u)} s_uv r_vi (a ranking score);
 * - user-user, explicit: mu_u + sum s_uv (r_vi - mu_v) / sum s_uv over the neighbours who rated i
 *   (mu_u when none did);
 * - item-item, implicit: score(u, i) = sum_{j in N_k(i), u rated j} s_ij r_uj;
 * - item-item, explicit: sum s_ij r_uj / sum s_ij over the same j (mu_u when there are none).
 *
 * Cost of a fit: user-user O(sum over items of (raters)^2), item-item O(sum over users of (rated)^2).
 *
 * Shape letters: U users, N items, K neighbours.
 */
import type { RatingMatrix } from './matrix';

export type Similarity = 'cosine' | 'pearson';
export type Feedback = 'implicit' | 'explicit';

export interface NeighbourhoodOptions {
  /** K, neighbours per user (user-user) or per item (item-item). Default 20. */
  k?: number;
  /** Default 'cosine'. */
  similarity?: Similarity;
  /** 'implicit' (a ranking score, sums) or 'explicit' (a rating, weighted means). Default 'implicit'. */
  feedback?: Feedback;
}

/** Each row's (or column's) neighbours, best first: ids and similarities, [rows, <= K] as ragged lists. */
export interface Neighbours {
  /** [rows + 1] row r's neighbours are at ids/similarities[start[r] .. start[r + 1]). */
  readonly start: Int32Array;
  readonly ids: Int32Array;
  readonly similarities: Float64Array;
}

/** A fitted model that scores items for a user. */
export interface ItemScorer {
  /** Writes the score of user on items[j] into out[j]. */
  scoreItems(user: number, items: Int32Array, out: Float32Array | Float64Array): void;
}

/**
 * Similarity of row `a` to every other row, written into `out` (length rows); rows that share no
 * column keep 0 (out must be all 0 on entry). rowStart/rowIds/rowValues are the rows as CSR,
 * colStart/colIds/colValues the same matrix by columns.
 */
function similaritiesOf(
  a: number,
  rowStart: Int32Array, rowIds: Int32Array, rowValues: Float64Array,
  colStart: Int32Array, colIds: Int32Array, colValues: Float64Array,
  similarity: Similarity,
  centre: (row: number, col: number) => number,
  rowNorms: Float64Array,
  scratch: { dot: Float64Array; normA: Float64Array; normB: Float64Array; touched: Int32Array; seen: Uint8Array },
  out: Float64Array,
): void {
  const { dot, normA, normB, touched, seen } = scratch;
  let touchedCount = 0;
  for (let e = rowStart[a]!; e < rowStart[a + 1]!; e++) {
    const col = rowIds[e]!;
    const va = rowValues[e]! - centre(a, col);
    for (let f = colStart[col]!; f < colStart[col + 1]!; f++) {
      const b = colIds[f]!;
      if (b === a) continue;
      const vb = colValues[f]! - centre(b, col);
      if (seen[b] === 0) {
        seen[b] = 1;
        touched[touchedCount++] = b;
      }
      dot[b]! += va * vb;
      normA[b]! += va * va;
      normB[b]! += vb * vb;
    }
  }
  for (let t = 0; t < touchedCount; t++) {
    const b = touched[t]!;
    if (similarity === 'cosine') {
      const denominator = rowNorms[a]! * rowNorms[b]!;
      out[b] = denominator > 0 ? dot[b]! / denominator : 0;
    } else {
      const denominator = Math.sqrt(normA[b]! * normB[b]!);
      out[b] = denominator > 0 ? dot[b]! / denominator : 0;
    }
    dot[b] = 0;
    seen[b] = 0;
    normA[b] = 0;
    normB[b] = 0;
  }
}

/** The K rows most similar to each row (positive similarities only), for rows given as CSR. */
function topNeighbours(
  rows: number,
  rowStart: Int32Array, rowIds: Int32Array, rowValues: Float64Array,
  colStart: Int32Array, colIds: Int32Array, colValues: Float64Array,
  similarity: Similarity,
  centre: (row: number, col: number) => number,
  k: number,
): Neighbours {
  const rowNorms = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let e = rowStart[r]!; e < rowStart[r + 1]!; e++) sum += rowValues[e]! ** 2;
    rowNorms[r] = Math.sqrt(sum);
  }
  const scratch = { dot: new Float64Array(rows), normA: new Float64Array(rows), normB: new Float64Array(rows), touched: new Int32Array(rows), seen: new Uint8Array(rows) };
  const sims = new Float64Array(rows);
  const start = new Int32Array(rows + 1);
  const ids: number[] = [];
  const values: number[] = [];
  const candidates: number[] = [];
  for (let a = 0; a < rows; a++) {
    similaritiesOf(a, rowStart, rowIds, rowValues, colStart, colIds, colValues, similarity, centre, rowNorms, scratch, sims);
    candidates.length = 0;
    for (let b = 0; b < rows; b++) if (sims[b]! > 0) candidates.push(b);
    candidates.sort((x, y) => sims[y]! - sims[x]! || x - y);
    const take = Math.min(k, candidates.length);
    for (let c = 0; c < take; c++) {
      ids.push(candidates[c]!);
      values.push(sims[candidates[c]!]!);
    }
    for (const b of candidates) sims[b] = 0;
    start[a + 1] = ids.length;
  }
  return { start, ids: Int32Array.from(ids), similarities: Float64Array.from(values) };
}

function userMeans(matrix: RatingMatrix): Float64Array {
  const means = new Float64Array(matrix.users);
  for (let u = 0; u < matrix.users; u++) means[u] = matrix.userMean(u);
  return means;
}

/** User-user neighbourhood CF. */
export class UserKnn implements ItemScorer {
  readonly k: number;
  readonly similarity: Similarity;
  readonly feedback: Feedback;
  readonly neighbours: Neighbours;
  private readonly means: Float64Array;
  /** [N] scratch: numerator and weight per item while scoring one user. */
  private readonly numerator: Float64Array;
  private readonly weight: Float64Array;

  constructor(readonly matrix: RatingMatrix, options: NeighbourhoodOptions = {}) {
    this.k = options.k ?? 20;
    this.similarity = options.similarity ?? 'cosine';
    this.feedback = options.feedback ?? 'implicit';
    const means = userMeans(matrix);
    this.means = means;
    const centre = this.similarity === 'pearson' ? (row: number) => means[row]! : () => 0;
    this.neighbours = topNeighbours(
      matrix.users, matrix.rowStart, matrix.rowItems, matrix.rowValues,
      matrix.colStart, matrix.colUsers, matrix.colValues, this.similarity, centre, this.k,
    );
    this.numerator = new Float64Array(matrix.items);
    this.weight = new Float64Array(matrix.items);
  }

  scoreItems(user: number, items: Int32Array, out: Float32Array | Float64Array): void {
    const m = this.matrix;
    const { start, ids, similarities } = this.neighbours;
    const explicit = this.feedback === 'explicit';
    const numerator = this.numerator;
    const weight = this.weight;
    numerator.fill(0);
    weight.fill(0);
    for (let n = start[user]!; n < start[user + 1]!; n++) {
      const v = ids[n]!;
      const s = similarities[n]!;
      const offset = explicit ? this.means[v]! : 0;
      for (let e = m.rowStart[v]!; e < m.rowStart[v + 1]!; e++) {
        const item = m.rowItems[e]!;
        numerator[item]! += s * (m.rowValues[e]! - offset);
        weight[item]! += s;
      }
    }
    const mean = this.means[user]!;
    for (let j = 0; j < items.length; j++) {
      const item = items[j]!;
      if (item >= m.items) {
        out[j] = explicit ? mean : 0;
        continue;
      }
      if (!explicit) out[j] = numerator[item]!;
      else out[j] = weight[item]! > 0 ? mean + numerator[item]! / weight[item]! : mean;
    }
  }
}

/** Item-item neighbourhood CF. */
export class ItemKnn implements ItemScorer {
  readonly k: number;
  readonly similarity: Similarity;
  readonly feedback: Feedback;
  /** Each item's K nearest items. */
  readonly neighbours: Neighbours;
  /** The reverse lists: for item j, the items i that have j among their neighbours, with s_ij. */
  private readonly reverse: Neighbours;
  private readonly means: Float64Array;
  private readonly numerator: Float64Array;
  private readonly weight: Float64Array;

  constructor(readonly matrix: RatingMatrix, options: NeighbourhoodOptions = {}) {
    this.k = options.k ?? 20;
    this.similarity = options.similarity ?? 'cosine';
    this.feedback = options.feedback ?? 'implicit';
    const means = userMeans(matrix);
    this.means = means;
    // Columns are the rows here: an item's "row" is its raters, centred on each rater's mean for Pearson.
    const centre = this.similarity === 'pearson' ? (_item: number, user: number) => means[user]! : () => 0;
    this.neighbours = topNeighbours(
      matrix.items, matrix.colStart, matrix.colUsers, matrix.colValues,
      matrix.rowStart, matrix.rowItems, matrix.rowValues, this.similarity, centre, this.k,
    );
    this.reverse = reverseNeighbours(this.neighbours, matrix.items);
    this.numerator = new Float64Array(matrix.items);
    this.weight = new Float64Array(matrix.items);
  }

  scoreItems(user: number, items: Int32Array, out: Float32Array | Float64Array): void {
    const m = this.matrix;
    const { start, ids, similarities } = this.reverse;
    const numerator = this.numerator;
    const weight = this.weight;
    numerator.fill(0);
    weight.fill(0);
    for (let e = m.rowStart[user]!; e < m.rowStart[user + 1]!; e++) {
      const j = m.rowItems[e]!;
      const value = m.rowValues[e]!;
      for (let n = start[j]!; n < start[j + 1]!; n++) {
        const i = ids[n]!;
        numerator[i]! += similarities[n]! * value;
        weight[i]! += similarities[n]!;
      }
    }
    const explicit = this.feedback === 'explicit';
    const mean = this.means[user]!;
    for (let j = 0; j < items.length; j++) {
      const item = items[j]!;
      if (item >= m.items) {
        out[j] = explicit ? mean : 0;
        continue;
      }
      if (!explicit) out[j] = numerator[item]!;
      else out[j] = weight[item]! > 0 ? numerator[item]! / weight[item]! : mean;
    }
  }
}

function reverseNeighbours(forward: Neighbours, rows: number): Neighbours {
  const start = new Int32Array(rows + 1);
  for (let n = 0; n < forward.ids.length; n++) start[forward.ids[n]! + 1]! += 1;
  for (let r = 0; r < rows; r++) start[r + 1]! += start[r]!;
  const ids = new Int32Array(forward.ids.length);
  const similarities = new Float64Array(forward.ids.length);
  const next = start.slice(0, rows);
  for (let i = 0; i < rows; i++) {
    for (let n = forward.start[i]!; n < forward.start[i + 1]!; n++) {
      const j = forward.ids[n]!;
      const slot = next[j]!++;
      ids[slot] = i;
      similarities[slot] = forward.similarities[n]!;
    }
  }
  return { start, ids, similarities };
}
