/**
 * Antidote data (Rastegarpanah, Gummadi and Crovella, "Fighting Fire with Fire: Using Antidote Data
 * to Improve Polarization and Fairness of Recommender Systems", WSDM 2019): a few synthetic users'
 * ratings, added to the training data of a matrix-factorisation recommender, chosen to lower a social
 * objective of the predictions for the real users.
 *
 * The recommender: explicit ALS (als.ts) on the real ratings X (U users x N items, observed Omega),
 * predictions X_hat = P Q^T. The objectives, over the real users:
 * - polarisation (the paper's R_pol): the mean over items of the variance across users of the
 *   predicted rating, (1/N) sum_j (1/U) sum_i (x_hat_ij - mean_i x_hat_ij)^2;
 * - group unfairness (the paper's R_grp for two groups): (L_A - L_B)^2 / 4, L_g the mean squared error
 *   of group g on its observed ratings.
 *
 * Antidote users: n' = round(budget x U) users who rate EVERY item, values kept in [low, high]. Their
 * ratings start at each item's mean prediction (plus a 1% seeded jitter) and are found by projected
 * gradient descent, keeping the step whose working model had the lowest objective. The gradient is the paper's first-order
 * approximation: the item factors respond to the antidote ratings through one exact item half-step,
 *   q_j = (A_j + P~^T P~)^-1 (b_j + P~^T x~_j),  A_j = sum_{i in Omega_j} p_i p_i^T + lambda I,  b_j = sum x_ij p_i,
 * with the real users' factors P and the antidote users' factors P~ held fixed, so
 *   dR / d x~_aj = p~_a^T (A_j + P~^T P~)^-1 dR/dq_j,
 * dR/dq_j = (2/N) C q_j for polarisation (C the covariance of the real users' factors) and
 * (L_A - L_B)/2 (dL_A/dq_j - dL_B/dq_j) for unfairness. After each gradient step the antidote users'
 * factors are re-solved on their ratings, then the item factors (an item half-step), the real users'
 * factors staying at the recommender's (workingModel). For unfairness that is not enough: a group's
 * error is a sum of the real users' own residuals, which their next half-step re-fits, so the working
 * model there is a warm-started refit of UNFAIRNESS_REFIT_ALTERNATIONS full alternations
 * (refitWorkingModel), the gradient still the first-order one above at that model (the paper's
 * scheme: a gradient step on the antidote data, then ALS on real plus antidote data). What is
 * reported is measured after a full refit (the same ALS settings, seed and alternations) with and
 * without the antidote users, not from the approximation.
 *
 * Shape letters: U real users, A antidote users, N items, D factors.
 */
import { AlsModel, choleskySolve, gramMatrix, type AlsOptions } from './als';
import { RatingMatrix, type Entry } from './matrix';
import type { AntidoteObjective, SocialMeasures as SocialMetrics } from '../../domain';

// The objective and the measures are domain nouns (src-main/domain/simulation.ts), declared there once.
export type { AntidoteObjective, SocialMetrics };


export interface AntidoteOptions {
  /** Which objective the antidote ratings lower. */
  objective: AntidoteObjective;
  /** Antidote users as a share of the real users (e.g. 0.05). */
  budget: number;
  /** [U] group of each real user, 0 or 1 (unfairness; reported for both objectives). */
  groups: Uint8Array;
  /** Rating range of the antidote ratings. Default [0, 1]. */
  low?: number;
  high?: number;
  /** Projected gradient steps. Default 30. */
  steps?: number;
  /** Step size of the projected gradient (on the ratings scale, after normalising the gradient to RMS 1). Default 0.1. */
  stepSize?: number;
  /** The recommender (explicit ALS); defaults: 8 factors, lambda 1, 15 alternations. */
  als?: AlsOptions;
  /** Seed of the small jitter of the antidote ratings' start. Default 1. */
  seed?: number;
}


export interface AntidoteResult {
  antidoteUsers: number;
  /** The recommender refitted without antidote users. */
  before: SocialMetrics;
  /** Refitted with them. */
  after: SocialMetrics;
  /** [A, N] the antidote ratings. */
  ratings: Float64Array;
}

/** Polarisation, per-group error and unfairness of a fitted model over the first `users` users. */
export function socialMetrics(model: AlsModel, real: RatingMatrix, groups: Uint8Array): SocialMetrics {
  const U = real.users;
  const N = real.items;
  let polarization = 0;
  const column = new Float64Array(U);
  for (let j = 0; j < N; j++) {
    let mean = 0;
    for (let i = 0; i < U; i++) {
      column[i] = model.predict(i, j);
      mean += column[i]!;
    }
    mean /= U;
    let variance = 0;
    for (let i = 0; i < U; i++) variance += (column[i]! - mean) ** 2;
    polarization += variance / U;
  }
  polarization /= Math.max(1, N);
  const sum = [0, 0];
  const count = [0, 0];
  for (let i = 0; i < U; i++) {
    const g = groups[i]!;
    for (let e = real.rowStart[i]!; e < real.rowStart[i + 1]!; e++) {
      sum[g]! += (real.rowValues[e]! - model.predict(i, real.rowItems[e]!)) ** 2;
      count[g]! += 1;
    }
  }
  const groupError: [number, number] = [count[0]! > 0 ? sum[0]! / count[0]! : 0, count[1]! > 0 ? sum[1]! / count[1]! : 0];
  const total = count[0]! + count[1]!;
  return {
    polarization,
    groupError,
    unfairness: (groupError[0] - groupError[1]) ** 2 / 4,
    error: total > 0 ? (sum[0]! + sum[1]!) / total : 0,
  };
}

/** The real ratings plus A antidote users (ids U .. U + A - 1) rating every item. */
function withAntidote(real: RatingMatrix, ratings: Float64Array, antidoteUsers: number): RatingMatrix {
  const entries: Entry[] = [];
  for (let i = 0; i < real.users; i++) {
    for (let e = real.rowStart[i]!; e < real.rowStart[i + 1]!; e++) entries.push({ user: i, item: real.rowItems[e]!, value: real.rowValues[e]! });
  }
  const N = real.items;
  for (let a = 0; a < antidoteUsers; a++) for (let j = 0; j < N; j++) entries.push({ user: real.users + a, item: j, value: ratings[a * N + j]! });
  return RatingMatrix.fromEntries(real.users + antidoteUsers, N, entries);
}

const DEFAULT_ALS: AlsOptions = { factors: 8, regularization: 1, iterations: 15, feedback: 'explicit', seed: 1 };

/**
 * Fits explicit ALS on the matrix (the recommender the experiment audits). Its first real.users users
 * and every item start from the factors the same options draw for the real matrix alone, so a fit with
 * antidote users and one without start from the same point and differ only by the antidote data.
 */
function fitRecommender(matrix: RatingMatrix, real: RatingMatrix, options: AlsOptions): AlsModel {
  const settings: AlsOptions = { ...DEFAULT_ALS, ...options, feedback: 'explicit' };
  const start = new AlsModel(real, settings);
  const model = new AlsModel(matrix, settings);
  model.userFactors.set(start.userFactors);
  model.itemFactors.set(start.itemFactors);
  for (let t = 0; t < (settings.iterations ?? 15); t++) {
    model.halfStep('users');
    model.halfStep('items');
  }
  return model;
}

/**
 * The model the gradient steps work on: the real users' factors held at the recommender's, the
 * antidote users' solved exactly on their ratings given the item factors (they rate every item, so
 * their system is (Q^T Q + lambda I) p~_a = Q^T x~_a), then the item factors solved (an item
 * half-step). Holding the real users fixed is the approximation; it also keeps ALS's own further
 * convergence out of the objective the steps compare.
 */
export function workingModel(real: RatingMatrix, ratings: Float64Array, A: number, als: AlsOptions, realUsers: Float64Array, items: Float64Array): AlsModel {
  const model = new AlsModel(withAntidote(real, ratings, A), als);
  const D = model.factors;
  const N = real.items;
  const U = real.users;
  model.userFactors.set(realUsers.subarray(0, U * D));
  model.itemFactors.set(items);
  const gram = new Float64Array(D * D);
  gramMatrix(model.itemFactors, N, D, gram);
  const a = new Float64Array(D * D);
  const b = new Float64Array(D);
  for (let user = 0; user < A; user++) {
    a.set(gram);
    for (let d = 0; d < D; d++) a[d * D + d]! += model.regularization;
    b.fill(0);
    for (let j = 0; j < N; j++) {
      const x = ratings[user * N + j]!;
      for (let d = 0; d < D; d++) b[d]! += x * model.itemFactors[j * D + d]!;
    }
    choleskySolve(a, b, D);
    model.userFactors.set(b, (U + user) * D);
  }
  model.halfStep('items');
  return model;
}

/**
 * The working model of the unfairness objective: the recommender refitted on the real and antidote
 * ratings by `alternations` full ALS alternations (every user, then every item), warm-started from
 * `previous` (the last working model, real and antidote users and items). Unlike workingModel it lets
 * the real users' factors follow the antidote data: a group's error is a sum of the real users' own
 * residuals, and a user half-step re-fits exactly those, undoing much of what moving the items alone
 * would promise (held fixed, the steps lowered the working model's gap and the refit's gap not at all).
 */
export function refitWorkingModel(real: RatingMatrix, ratings: Float64Array, A: number, als: AlsOptions, previous: AlsModel, alternations: number): AlsModel {
  const model = new AlsModel(withAntidote(real, ratings, A), als);
  model.userFactors.set(previous.userFactors.subarray(0, model.userFactors.length));
  model.itemFactors.set(previous.itemFactors);
  for (let t = 0; t < alternations; t++) {
    model.halfStep('users');
    model.halfStep('items');
  }
  return model;
}

/** Warm-started ALS alternations of the unfairness working model per gradient step. */
export const UNFAIRNESS_REFIT_ALTERNATIONS = 3;

/**
 * dR/dq_j for every item [N, D] of the objective at the current model (real users 0 .. U-1).
 */
export function objectiveGradient(model: AlsModel, real: RatingMatrix, groups: Uint8Array, objective: AntidoteObjective): Float64Array {
  const D = model.factors;
  const U = real.users;
  const N = real.items;
  const P = model.userFactors;
  const Q = model.itemFactors;
  const gradient = new Float64Array(N * D);
  if (objective === 'polarization') {
    // C = (1/U) sum_i (p_i - mean)(p_i - mean)^T; dR/dq_j = (2/N) C q_j
    const mean = new Float64Array(D);
    for (let i = 0; i < U; i++) for (let d = 0; d < D; d++) mean[d]! += P[i * D + d]! / U;
    const C = new Float64Array(D * D);
    for (let i = 0; i < U; i++) {
      for (let d = 0; d < D; d++) {
        const x = P[i * D + d]! - mean[d]!;
        for (let f = 0; f < D; f++) C[d * D + f]! += (x * (P[i * D + f]! - mean[f]!)) / U;
      }
    }
    for (let j = 0; j < N; j++) {
      for (let d = 0; d < D; d++) {
        let sum = 0;
        for (let f = 0; f < D; f++) sum += C[d * D + f]! * Q[j * D + f]!;
        gradient[j * D + d] = (2 / N) * sum;
      }
    }
    return gradient;
  }
  // unfairness: R = (L_A - L_B)^2 / 4, dL_g/dq_j = -(2/|Omega_g|) sum_{i in g, j} (x_ij - p_i.q_j) p_i
  const metrics = socialMetrics(model, real, groups);
  const count = [0, 0];
  for (let i = 0; i < U; i++) count[groups[i]!]! += real.rowStart[i + 1]! - real.rowStart[i]!;
  const scale = (metrics.groupError[0] - metrics.groupError[1]) / 2;
  for (let i = 0; i < U; i++) {
    const g = groups[i]!;
    const sign = g === 0 ? 1 : -1;
    const weight = count[g]! > 0 ? (-2 / count[g]!) * sign * scale : 0;
    for (let e = real.rowStart[i]!; e < real.rowStart[i + 1]!; e++) {
      const j = real.rowItems[e]!;
      const residual = real.rowValues[e]! - model.predict(i, j);
      for (let d = 0; d < D; d++) gradient[j * D + d]! += weight * residual * P[i * D + d]!;
    }
  }
  return gradient;
}

/**
 * dR / d x~ [A, N] at the working model, to first order with the real users' factors fixed:
 *   item j:      q_j = M_j^-1 (b_j + sum_a x~_aj p~_a),  M_j = A_j + sum_a p~_a p~_a^T
 *   antidote a:  p~_a = G^-1 Q^T x~_a,  G = Q^T Q + lambda I
 * With w_j = M_j^-1 dR/dq_j and the antidote residuals r_aj = x~_aj - p~_a . q_j:
 *   direct (through b_j):   p~_a . w_j
 *   through p~_a:           q_j . G^-1 h_a,  h_a = sum_k (r_ak w_k - q_k (p~_a . w_k))
 * (d(M^-1 c) = M^-1 (dc - dM q) with dc = x~_ak dp~_a and dM = dp~ p~^T + p~ dp~^T).
 */
export function antidoteGradient(model: AlsModel, real: RatingMatrix, ratings: Float64Array, A: number, groups: Uint8Array, objective: AntidoteObjective): Float64Array {
  const D = model.factors;
  const U = real.users;
  const N = real.items;
  const P = model.userFactors;
  const Q = model.itemFactors;
  const dq = objectiveGradient(model, real, groups, objective);
  const W = new Float64Array(N * D);
  const M = new Float64Array(D * D);
  const w = new Float64Array(D);
  for (let j = 0; j < N; j++) {
    M.fill(0);
    for (let e = real.colStart[j]!; e < real.colStart[j + 1]!; e++) {
      const p = real.colUsers[e]! * D;
      for (let d = 0; d < D; d++) for (let f = 0; f < D; f++) M[d * D + f]! += P[p + d]! * P[p + f]!;
    }
    for (let a = 0; a < A; a++) {
      const p = (U + a) * D;
      for (let d = 0; d < D; d++) for (let f = 0; f < D; f++) M[d * D + f]! += P[p + d]! * P[p + f]!;
    }
    for (let d = 0; d < D; d++) M[d * D + d]! += model.regularization;
    for (let d = 0; d < D; d++) w[d] = dq[j * D + d]!;
    choleskySolve(M, w, D);
    W.set(w, j * D);
  }
  const G = new Float64Array(D * D);
  gramMatrix(Q, N, D, G);
  for (let d = 0; d < D; d++) G[d * D + d]! += model.regularization;
  const gradient = new Float64Array(A * N);
  const h = new Float64Array(D);
  const Gcopy = new Float64Array(D * D);
  for (let a = 0; a < A; a++) {
    const p = (U + a) * D;
    h.fill(0);
    for (let k = 0; k < N; k++) {
      let pq = 0;
      let pw = 0;
      for (let d = 0; d < D; d++) {
        pq += P[p + d]! * Q[k * D + d]!;
        pw += P[p + d]! * W[k * D + d]!;
      }
      const residual = ratings[a * N + k]! - pq;
      for (let d = 0; d < D; d++) h[d]! += residual * W[k * D + d]! - Q[k * D + d]! * pw;
      gradient[a * N + k] = pw; // the direct term
    }
    Gcopy.set(G);
    choleskySolve(Gcopy, h, D);
    for (let j = 0; j < N; j++) {
      let qz = 0;
      for (let d = 0; d < D; d++) qz += Q[j * D + d]! * h[d]!;
      gradient[a * N + j]! += qz;
    }
  }
  return gradient;
}

/**
 * Finds antidote ratings for one budget and measures the objectives before and after (both refitted
 * the same way from the same start). A budget that rounds to 0 users returns before = after.
 */
export function computeAntidote(real: RatingMatrix, options: AntidoteOptions): AntidoteResult {
  const als: AlsOptions = { ...DEFAULT_ALS, ...options.als, feedback: 'explicit' };
  const low = options.low ?? 0;
  const high = options.high ?? 1;
  const steps = options.steps ?? 30;
  const stepSize = options.stepSize ?? 0.1;
  const U = real.users;
  const N = real.items;
  const A = Math.round(options.budget * U);
  const beforeModel = fitRecommender(real, real, als);
  const before = socialMetrics(beforeModel, real, options.groups);
  if (A === 0) return { antidoteUsers: 0, before, after: before, ratings: new Float64Array(0) };

  // start: every antidote user rates like the average real user (the mean prediction of each item)
  const ratings = new Float64Array(A * N);
  for (let j = 0; j < N; j++) {
    let mean = 0;
    for (let i = 0; i < U; i++) mean += beforeModel.predict(i, j);
    mean = Math.min(high, Math.max(low, mean / U));
    for (let a = 0; a < A; a++) ratings[a * N + j] = mean;
  }
  // break the symmetry of identical antidote users a little (seeded), so their factors can differ
  let state = (options.seed ?? 1) >>> 0 || 1;
  for (let k = 0; k < ratings.length; k++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    ratings[k] = Math.min(high, Math.max(low, ratings[k]! + 0.01 * (high - low) * ((state >>> 0) / 4294967296 - 0.5)));
  }

  // the working model: real users' factors from the recommender, antidote users solved on their ratings
  let model = workingModel(real, ratings, A, als, beforeModel.userFactors, beforeModel.itemFactors);
  if (options.objective === 'unfairness') model = refitWorkingModel(real, ratings, A, als, model, UNFAIRNESS_REFIT_ALTERNATIONS);
  const objectiveOf = (m: AlsModel): number => {
    const metrics = socialMetrics(m, real, options.groups);
    return options.objective === 'polarization' ? metrics.polarization : metrics.unfairness;
  };
  let best = ratings.slice();
  let bestObjective = objectiveOf(model);
  for (let step = 0; step < steps; step++) {
    const gradient = antidoteGradient(model, real, ratings, A, options.groups, options.objective);
    let norm = 0;
    for (const g of gradient) norm += g * g;
    norm = Math.sqrt(norm / Math.max(1, A * N));
    if (!(norm > 0)) break;
    for (let k = 0; k < ratings.length; k++) ratings[k] = Math.min(high, Math.max(low, ratings[k]! - (stepSize * gradient[k]!) / norm));
    // the antidote users' factors, then the item factors (and for unfairness the real users'), follow the new ratings
    model = options.objective === 'unfairness'
      ? refitWorkingModel(real, ratings, A, als, model, UNFAIRNESS_REFIT_ALTERNATIONS)
      : workingModel(real, ratings, A, als, beforeModel.userFactors, model.itemFactors);
    const objective = objectiveOf(model);
    if (objective < bestObjective) {
      bestObjective = objective;
      best = ratings.slice();
    }
  }
  ratings.set(best);

  // measured, not approximated: both fitted by the same ALS from the same start
  const afterModel = fitRecommender(withAntidote(real, ratings, A), real, als);
  return { antidoteUsers: A, before, after: socialMetrics(afterModel, real, options.groups), ratings };
}
