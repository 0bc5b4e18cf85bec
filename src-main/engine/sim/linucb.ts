/**
 * LinUCB (Li, Chu, Langford and Schapire 2010) with one shared parameter vector: the expected reward
 * of a context x is theta . x; after n observations, A = lambda I + sum x x^T, b = sum r x,
 * theta_hat = A^-1 b, and an arm is chosen by its upper confidence bound
 *   theta_hat . x + alpha sqrt(x^T A^-1 x).
 * Updates are rank-one (Sherman-Morrison on A^-1), so both choosing and learning cost O(d^2) an arm.
 *
 * The simulator's policy (LinUcbPolicy) scores every available item for a user with the context
 * x(u, i) = [1, extremeness_i, topics_i (T), history_u (.) topics_i (T)], history_u the topic mix of
 * what the user clicked so far (normalised, uniform before any click): d = 2T + 2. It learns online
 * from its own slates: at the start of every round it adds every impression it showed since the last
 * round (reward 1 for a click, 0 for shown and not clicked). The slate is the K items with the
 * highest bound.
 *
 * Shape letters: d context dimension, U users, A items available, T topics, K slate size.
 */
import type { PolicyContext, Policy } from './policies';
import { selectTopK } from './select';

export interface LinUcbOptions {
  /** d. */
  dimension: number;
  /** Exploration weight alpha (default 1). */
  alpha?: number;
  /** Ridge lambda of A = lambda I + ... (default 1). */
  lambda?: number;
}

/** The shared-parameter LinUCB learner over d-dimensional contexts. */
export class LinUcb {
  readonly dimension: number;
  readonly alpha: number;
  /** [d, d] A^-1, kept by Sherman-Morrison. */
  readonly inverse: Float64Array;
  /** [d] b = sum r x. */
  readonly rewardSum: Float64Array;
  /** [d] theta_hat = A^-1 b, refreshed by refresh(). */
  readonly theta: Float64Array;
  private readonly scratch: Float64Array;
  private observations = 0;

  constructor(options: LinUcbOptions) {
    const d = options.dimension;
    const lambda = options.lambda ?? 1;
    if (!(lambda > 0)) throw new RangeError('LinUCB lambda must be > 0');
    this.dimension = d;
    this.alpha = options.alpha ?? 1;
    this.inverse = new Float64Array(d * d);
    for (let k = 0; k < d; k++) this.inverse[k * d + k] = 1 / lambda;
    this.rewardSum = new Float64Array(d);
    this.theta = new Float64Array(d);
    this.scratch = new Float64Array(d);
  }

  get count(): number {
    return this.observations;
  }

  /** Adds one observation (context x [d], reward r); call refresh() before the next scores. */
  update(x: ArrayLike<number>, reward: number): void {
    const d = this.dimension;
    const inverse = this.inverse;
    const ax = this.scratch;
    // A^-1 <- A^-1 - (A^-1 x)(A^-1 x)^T / (1 + x^T A^-1 x)   (A^-1 symmetric)
    let quadratic = 0;
    for (let i = 0; i < d; i++) {
      let sum = 0;
      for (let j = 0; j < d; j++) sum += inverse[i * d + j]! * x[j]!;
      ax[i] = sum;
      quadratic += x[i]! * sum;
    }
    const scale = 1 / (1 + quadratic);
    for (let i = 0; i < d; i++) {
      const ai = ax[i]! * scale;
      for (let j = 0; j < d; j++) inverse[i * d + j]! -= ai * ax[j]!;
    }
    for (let i = 0; i < d; i++) this.rewardSum[i]! += reward * x[i]!;
    this.observations++;
  }

  /** theta_hat = A^-1 b. */
  refresh(): void {
    const d = this.dimension;
    for (let i = 0; i < d; i++) {
      let sum = 0;
      for (let j = 0; j < d; j++) sum += this.inverse[i * d + j]! * this.rewardSum[j]!;
      this.theta[i] = sum;
    }
  }

  /** theta_hat . x. */
  mean(x: ArrayLike<number>, offset = 0): number {
    let sum = 0;
    for (let i = 0; i < this.dimension; i++) sum += this.theta[i]! * x[offset + i]!;
    return sum;
  }

  /** sqrt(x^T A^-1 x). */
  width(x: ArrayLike<number>, offset = 0): number {
    const d = this.dimension;
    let quadratic = 0;
    for (let i = 0; i < d; i++) {
      const xi = x[offset + i]!;
      if (xi === 0) continue;
      let row = 0;
      for (let j = 0; j < d; j++) row += this.inverse[i * d + j]! * x[offset + j]!;
      quadratic += xi * row;
    }
    return Math.sqrt(Math.max(0, quadratic));
  }

  /** The upper confidence bound theta_hat . x + alpha sqrt(x^T A^-1 x) of the context at x[offset ..]. */
  bound(x: ArrayLike<number>, offset = 0): number {
    return this.mean(x, offset) + this.alpha * this.width(x, offset);
  }
}

/** d of the simulator's context for T topics. */
export function contextDimension(topics: number): number {
  return 2 * topics + 2;
}

/**
 * Writes x(user, item) = [1, extremeness, topics (T), history mix (.) topics (T)] into out[offset ..].
 * @param historyMix [T] the user's clicked-topic mix (sums to 1)
 */
export function writeContext(context: PolicyContext, historyMix: Float64Array, item: number, out: Float64Array, offset: number): void {
  const world = context.world;
  const T = world.topics;
  out[offset] = 1;
  out[offset + 1] = world.itemExtremeness[item]!;
  for (let t = 0; t < T; t++) {
    const topic = world.itemTopics[item * T + t]!;
    out[offset + 2 + t] = topic;
    out[offset + 2 + T + t] = historyMix[t]! * topic;
  }
}

/** The user's clicked-topic mix from the observable history (uniform before any click). */
export function historyMix(context: PolicyContext, user: number, out: Float64Array): void {
  const T = context.world.topics;
  const history = context.log.features.userHistoryTopics;
  let total = 0;
  for (let t = 0; t < T; t++) total += history[user * T + t]!;
  for (let t = 0; t < T; t++) out[t] = total > 0 ? history[user * T + t]! / total : 1 / T;
}

/** Default exploration weight of the simulator's LinUCB policy. */
export const LINUCB_ALPHA = 0.5;

/**
 * Shows the K items with the highest LinUCB bound; learns from its own impressions every round.
 *
 * The bound of every item is computed from the block structure of x = [c_i; h (.) t_i], c_i = [1,
 * e_i, t_i] (T + 2), h the user's history mix, rather than by a d x d product per item:
 *   x^T M x = c^T M11 c + 2 c^T M12 (h (.) t) + (h (.) t)^T M22 (h (.) t)
 *           = q_i + (l0 + e_i l1) . t_i + t_i^T K t_i,
 * with M = A^-1, q_i = c_i^T M11 c_i per item and round, l0_b = 2 M12[0, b] h_b, l1_b = 2 M12[1, b] h_b
 * and K_ab = M12[2 + a, b] h_b + M12[2 + b, a] h_a + M22[a, b] h_a h_b per user: O(T^2) an item.
 */
export class LinUcbPolicy implements Policy {
  readonly kind = 'linucb' as const;
  readonly learner: LinUcb;
  private readonly topics: number;
  private readonly contexts: Float64Array;
  private readonly bounds: Float32Array;
  private readonly mix: Float64Array;
  private readonly heapScratch: Float32Array;
  /** [C] theta_c . c_i and c_i^T M11 c_i of every item, refreshed each round. */
  private readonly itemMean: Float64Array;
  private readonly itemQuadratic: Float64Array;
  /** Per-user scratch: theta_h (.) h [T], l0, l1 [T], K [T, T]. */
  private readonly userWeights: Float64Array;
  private readonly linear0: Float64Array;
  private readonly linear1: Float64Array;
  private readonly crossQuadratic: Float64Array;
  private prepared = 0;
  private learnedUpTo = 0;

  constructor(capacity: number, topics: number, slateSize: number, alpha = LINUCB_ALPHA) {
    const d = contextDimension(topics);
    this.topics = topics;
    this.learner = new LinUcb({ dimension: d, alpha, lambda: 1 });
    this.contexts = new Float64Array(d);
    this.bounds = new Float32Array(capacity);
    this.mix = new Float64Array(topics);
    this.heapScratch = new Float32Array(slateSize);
    this.itemMean = new Float64Array(capacity);
    this.itemQuadratic = new Float64Array(capacity);
    this.userWeights = new Float64Array(topics);
    this.linear0 = new Float64Array(topics);
    this.linear1 = new Float64Array(topics);
    this.crossQuadratic = new Float64Array(topics * topics);
  }

  /**
   * Learns from the impressions logged since the last round. The history mix is read now, a round
   * late for the clicks of the last round (what the log keeps); the reward is the click.
   */
  prepare(context: PolicyContext): void {
    const log = context.log;
    for (let row = this.learnedUpTo; row < log.length; row++) {
      const user = log.users[row]!;
      historyMix(context, user, this.mix);
      writeContext(context, this.mix, log.items[row]!, this.contexts, 0);
      this.learner.update(this.contexts, log.clicked[row]!);
    }
    this.learnedUpTo = log.length;
    this.learner.refresh();
    // the item-only parts of the mean and of x^T A^-1 x
    const T = this.topics;
    const C = T + 2;
    const d = this.learner.dimension;
    const M = this.learner.inverse;
    const theta = this.learner.theta;
    const c = this.contexts;
    const world = context.world;
    const A = context.available;
    for (let item = 0; item < A; item++) {
      c[0] = 1;
      c[1] = world.itemExtremeness[item]!;
      for (let t = 0; t < T; t++) c[2 + t] = world.itemTopics[item * T + t]!;
      let mean = 0;
      let quadratic = 0;
      for (let a = 0; a < C; a++) {
        mean += theta[a]! * c[a]!;
        let row = 0;
        for (let b = 0; b < C; b++) row += M[a * d + b]! * c[b]!;
        quadratic += c[a]! * row;
      }
      this.itemMean[item] = mean;
      this.itemQuadratic[item] = quadratic;
    }
    this.prepared = A;
  }

  recommend(user: number, context: PolicyContext, slate: Int32Array): number {
    const A = Math.min(context.available, this.prepared);
    const T = this.topics;
    const d = this.learner.dimension;
    const M = this.learner.inverse;
    const theta = this.learner.theta;
    const h = this.mix;
    historyMix(context, user, h);
    const w = this.userWeights;
    const l0 = this.linear0;
    const l1 = this.linear1;
    const K = this.crossQuadratic;
    const off = T + 2; // first index of the h (.) t block
    for (let b = 0; b < T; b++) {
      w[b] = theta[off + b]! * h[b]!;
      l0[b] = 2 * M[0 * d + off + b]! * h[b]!;
      l1[b] = 2 * M[1 * d + off + b]! * h[b]!;
    }
    for (let a = 0; a < T; a++) {
      for (let b = 0; b < T; b++) {
        K[a * T + b] = M[(2 + a) * d + off + b]! * h[b]! + M[(2 + b) * d + off + a]! * h[a]! + M[(off + a) * d + off + b]! * h[a]! * h[b]!;
      }
    }
    const world = context.world;
    const topics = world.itemTopics;
    const alpha = this.learner.alpha;
    for (let item = 0; item < A; item++) {
      const q = item * T;
      const e = world.itemExtremeness[item]!;
      let mean = this.itemMean[item]!;
      let quadratic = this.itemQuadratic[item]!;
      for (let a = 0; a < T; a++) {
        const ta = topics[q + a]!;
        mean += w[a]! * ta;
        let row = l0[a]! + e * l1[a]!;
        for (let b = 0; b < T; b++) row += K[a * T + b]! * topics[q + b]!;
        quadratic += ta * row;
      }
      this.bounds[item] = mean + alpha * Math.sqrt(Math.max(0, quadratic));
    }
    return selectTopK(this.bounds, A, slate.length, world.consumed, user * world.wordsPerUser, slate, this.heapScratch);
  }

  /** The bound of one (user, item) the direct way, theta . x + alpha sqrt(x^T A^-1 x) (tests compare). */
  directBound(user: number, item: number, context: PolicyContext): number {
    historyMix(context, user, this.mix);
    writeContext(context, this.mix, item, this.contexts, 0);
    return this.learner.bound(this.contexts, 0);
  }

  /** The bounds the last recommend() ranked by, [A]. */
  lastBounds(): Float32Array {
    return this.bounds;
  }

  takePolarization(): number {
    return 0;
  }
}
