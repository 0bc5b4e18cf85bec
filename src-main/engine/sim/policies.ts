/**
 * Over 400 lines: the simulator policies, each a small class behind one Policy interface, and the factory that builds them.
 * Recommender policies, each a small pluggable piece behind the Policy interface:
 * random, popularity, oracle (true utility), engagement-greedy on a learned click model
 * (matrix factorisation or an injected DLRM trainer), epsilon-greedy exploration, MMR diversity
 * re-ranking, calibrated recommendations (Steck 2018) and greedy ranking by collaborative filtering
 * (user-user, item-item, implicit ALS; cf-models.ts); learning policies: LinUCB (linucb.ts) and a
 * long-term value policy (long-term.ts).
 *
 * Shape letters: U users, A items available this round, K slate size, M candidate pool, T topics.
 */
import type { PolicyKind, PolicySpec, SimulationSpec } from '../../domain';
import type { ImpressionLog } from './log';
import type { ClickModelTrainer, Scorer } from './model';
import type { Random } from './random';
import { CollaborativeTrainer } from './cf-models';
import { LinUcbPolicy } from './linucb';
import { LongTermPolicy } from './long-term';
import { selectTopK } from './select';
import { DEFAULT_EPSILON, DEFAULT_LAMBDA } from './spec';
import { WORLD_CONSTANTS, type World } from './world';

/** What a policy may look at in a round. Only the oracle reads the world's hidden state. */
export interface PolicyContext {
  readonly spec: SimulationSpec;
  readonly world: World;
  /** 0-based round. */
  readonly round: number;
  /** A: items [0, A) exist this round. */
  readonly available: number;
  /** [>= A] item ids 0, 1, 2, ... (pass subarray(0, A) to a scorer). */
  readonly itemIds: Int32Array;
  readonly log: ImpressionLog;
  /** The policy's own random stream. */
  readonly random: Random;
}

export interface Policy {
  readonly kind: PolicyKind;
  /** Called once per round before any slate: retrain or refresh here. */
  prepare(context: PolicyContext): Promise<void> | void;
  /**
   * Writes the slate for `user` into slate[0 .. K) (best first) and returns its length, which is
   * below K only when fewer items the user has not consumed exist. Never repeats an item, never
   * recommends an item the user already consumed.
   */
  recommend(user: number, context: PolicyContext, slate: Int32Array): number;
  /**
   * Mean over items of the variance across users of the click probabilities this round's slates were
   * ranked by (Rastegarpanah et al. 2019), then resets. 0 for policies without user-specific scores.
   */
  takePolarization(): number;
}

/** Is `round` one where model-based policies (re)train: the end of start-up, then every retrainEvery rounds. */
export function isRetrainRound(round: number, spec: SimulationSpec): boolean {
  return round >= spec.startupRounds && (round - spec.startupRounds) % spec.retrainEvery === 0;
}

/** Polarisation is estimated from at most about this many users per round (every stride-th user). */
export const POLARIZATION_SAMPLE_USERS = 256;

/** Per-item running sums of scores across a fixed sample of users, for polarisation. */
export class PolarizationAccumulator {
  private readonly sum: Float64Array;
  private readonly sumSquares: Float64Array;
  private readonly stride: number;
  private rows = 0;
  private columns = 0;

  constructor(capacity: number, users: number) {
    this.sum = new Float64Array(capacity);
    this.sumSquares = new Float64Array(capacity);
    this.stride = Math.max(1, Math.ceil(users / POLARIZATION_SAMPLE_USERS));
  }

  /** Is this user in the polarisation sample? */
  samples(user: number): boolean {
    return user % this.stride === 0;
  }

  add(scores: Float32Array, count: number): void {
    if (count > this.columns) this.columns = count;
    for (let i = 0; i < count; i++) {
      const s = scores[i]!;
      this.sum[i]! += s;
      this.sumSquares[i]! += s * s;
    }
    this.rows++;
  }

  take(): number {
    const rows = this.rows;
    const columns = this.columns;
    let total = 0;
    if (rows > 1) {
      for (let i = 0; i < columns; i++) {
        const mean = this.sum[i]! / rows;
        total += Math.max(0, this.sumSquares[i]! / rows - mean * mean);
      }
    }
    this.sum.fill(0, 0, columns);
    this.sumSquares.fill(0, 0, columns);
    this.rows = 0;
    this.columns = 0;
    return columns > 0 && rows > 1 ? total / columns : 0;
  }
}

/** Fills the slate with distinct random items the user has not consumed. */
function randomSlate(user: number, context: PolicyContext, slate: Int32Array, start: number): number {
  const world = context.world;
  const K = slate.length;
  const A = context.available;
  const base = user * world.wordsPerUser;
  let length = start;
  let tries = 0;
  const maxTries = 50 * K;
  while (length < K && tries < maxTries) {
    tries++;
    const item = context.random.int(A);
    if ((world.consumed[base + (item >>> 5)]! & (1 << (item & 31))) !== 0) continue;
    if (slateHas(slate, length, item)) continue;
    slate[length++] = item;
  }
  if (length < K) {
    // Nearly exhausted catalogue for this user: take the remaining eligible items in id order.
    for (let item = 0; item < A && length < K; item++) {
      if (world.hasConsumed(user, item) || slateHas(slate, length, item)) continue;
      slate[length++] = item;
    }
  }
  return length;
}

function slateHas(slate: Int32Array, length: number, item: number): boolean {
  for (let r = 0; r < length; r++) if (slate[r] === item) return true;
  return false;
}

/** Shows K random unconsumed items. Also used by every policy during the start-up rounds. */
export class RandomPolicy implements Policy {
  readonly kind = 'random' as const;
  prepare(): void {}
  recommend(user: number, context: PolicyContext, slate: Int32Array): number {
    return randomSlate(user, context, slate, 0);
  }
  takePolarization(): number {
    return 0;
  }
}

/** Shows the most clicked items (counts refreshed from the log on retrain rounds), same order for everyone. */
export class PopularityPolicy implements Policy {
  readonly kind = 'popularity' as const;
  private readonly clicks: Float64Array;
  private ranking = new Int32Array(0);
  private logged = 0;

  constructor(capacity: number) {
    this.clicks = new Float64Array(capacity);
  }

  prepare(context: PolicyContext): void {
    if (!isRetrainRound(context.round, context.spec) && this.ranking.length > 0) return;
    const log = context.log;
    const items = log.items;
    const clicked = log.clicked;
    for (let row = this.logged; row < log.length; row++) if (clicked[row] === 1) this.clicks[items[row]!]! += 1;
    this.logged = log.length;
    const A = context.available;
    const ranking = Int32Array.from({ length: A }, (_, i) => i);
    const clicks = this.clicks;
    ranking.sort((a, b) => clicks[b]! - clicks[a]! || a - b);
    this.ranking = ranking;
  }

  recommend(user: number, context: PolicyContext, slate: Int32Array): number {
    const world = context.world;
    const K = slate.length;
    let length = 0;
    for (let k = 0; k < this.ranking.length && length < K; k++) {
      const item = this.ranking[k]!;
      if (!world.hasConsumed(user, item)) slate[length++] = item;
    }
    // Items that arrived since the last refresh have no clicks yet: they come after the ranked ones.
    for (let item = this.ranking.length; item < context.available && length < K; item++) {
      if (!world.hasConsumed(user, item)) slate[length++] = item;
    }
    return length;
  }

  takePolarization(): number {
    return 0;
  }
}

/** Knows every user's true utility and shows the K best unconsumed items. */
export class OraclePolicy implements Policy {
  readonly kind = 'oracle' as const;
  private readonly utilities: Float32Array;
  private readonly probabilities: Float32Array;
  private readonly heapScratch: Float32Array;
  private readonly polarization: PolarizationAccumulator;

  constructor(capacity: number, users: number, slateSize: number) {
    this.utilities = new Float32Array(capacity);
    this.probabilities = new Float32Array(capacity);
    this.heapScratch = new Float32Array(slateSize);
    this.polarization = new PolarizationAccumulator(capacity, users);
  }

  prepare(): void {}

  recommend(user: number, context: PolicyContext, slate: Int32Array): number {
    const world = context.world;
    const A = context.available;
    world.utilities(user, A, this.utilities);
    if (this.polarization.samples(user)) {
      // On the probability scale of the learned models: chance of a click if shown alone at the top.
      const u0 = WORLD_CONSTANTS.noClickUtility;
      for (let i = 0; i < A; i++) this.probabilities[i] = 1 / (1 + Math.exp(u0 - this.utilities[i]!));
      this.polarization.add(this.probabilities, A);
    }
    return selectTopK(this.utilities, A, slate.length, world.consumed, user * world.wordsPerUser, slate, this.heapScratch);
  }

  takePolarization(): number {
    return this.polarization.take();
  }
}

/** Largest users x catalogue score cache a model policy keeps (floats; 8M = 32 MB). */
export const SCORE_CACHE_LIMIT = 8_000_000;

/** Shared part of the policies that rank by a click model learned from the log. */
abstract class ModelPolicy implements Policy {
  abstract readonly kind: PolicyKind;
  protected scorer: Scorer | null = null;
  private readonly scores: Float32Array;
  private readonly polarization: PolarizationAccumulator;
  private readonly capacity: number;
  /** [U, C] cached scores of a cacheable scorer (null when not cached). */
  private cache: Float32Array | null = null;
  /** [U] items [0, cachedUpTo[user]) of the user's cache row are valid. */
  private cachedUpTo: Int32Array | null = null;

  constructor(
    private readonly trainer: ClickModelTrainer,
    capacity: number,
    users: number,
  ) {
    this.capacity = capacity;
    this.scores = new Float32Array(capacity);
    this.polarization = new PolarizationAccumulator(capacity, users);
  }

  async prepare(context: PolicyContext): Promise<void> {
    if (this.scorer === null || isRetrainRound(context.round, context.spec)) {
      this.scorer = await this.trainer.fit(context.log, context.round);
      this.cachedUpTo?.fill(0);
      if (this.scorer.cacheable === true && this.cache === null) {
        const users = context.spec.users;
        if (users * this.capacity <= SCORE_CACHE_LIMIT) {
          this.cache = new Float32Array(users * this.capacity);
          this.cachedUpTo = new Int32Array(users);
        }
      }
    }
  }

  /**
   * Scores every available item for the user and records them for polarisation.
   * @returns [>= A] scores, item i at index i (a view valid until the next call)
   */
  protected scoreUser(user: number, context: PolicyContext): Float32Array {
    const A = context.available;
    if (this.scorer === null) throw new Error('policy used before prepare()');
    let scores: Float32Array;
    if (this.cache !== null && this.cachedUpTo !== null) {
      // Score only the items that arrived since this row was last filled.
      scores = this.cache.subarray(user * this.capacity, (user + 1) * this.capacity);
      const from = this.cachedUpTo[user]!;
      if (from < A) {
        this.scorer.score(user, context.itemIds.subarray(from, A), scores.subarray(from, A));
        this.cachedUpTo[user] = A;
      }
    } else {
      scores = this.scores;
      this.scorer.score(user, context.itemIds.subarray(0, A), scores.subarray(0, A));
    }
    // Polarisation is a variance of click probabilities; ranking scores on other scales are left out.
    if (this.scorer.scale !== 'score' && this.polarization.samples(user)) this.polarization.add(scores, A);
    return scores;
  }

  abstract recommend(user: number, context: PolicyContext, slate: Int32Array): number;

  takePolarization(): number {
    return this.polarization.take();
  }
}

/**
 * Shows the K items with the highest predicted click probability (greedy-mf, greedy-dlrm) or the
 * highest collaborative-filtering score (user-knn, item-knn, als).
 */
export class GreedyPolicy extends ModelPolicy {
  private readonly heapScratch: Float32Array;

  constructor(
    readonly kind: 'greedy-mf' | 'greedy-dlrm' | 'user-knn' | 'item-knn' | 'als',
    trainer: ClickModelTrainer,
    capacity: number,
    users: number,
    slateSize: number,
  ) {
    super(trainer, capacity, users);
    this.heapScratch = new Float32Array(slateSize);
  }

  recommend(user: number, context: PolicyContext, slate: Int32Array): number {
    const scores = this.scoreUser(user, context);
    const world = context.world;
    return selectTopK(scores, context.available, slate.length, world.consumed, user * world.wordsPerUser, slate, this.heapScratch);
  }
}

/** Greedy slate in which each position is, with probability epsilon, replaced by a random unconsumed item. */
export class EpsilonGreedyPolicy extends ModelPolicy {
  readonly kind = 'epsilon-greedy' as const;
  private readonly greedy: Int32Array;
  private readonly heapScratch: Float32Array;

  constructor(
    private readonly epsilon: number,
    trainer: ClickModelTrainer,
    capacity: number,
    users: number,
    slateSize: number,
  ) {
    super(trainer, capacity, users);
    this.greedy = new Int32Array(slateSize);
    this.heapScratch = new Float32Array(slateSize);
  }

  recommend(user: number, context: PolicyContext, slate: Int32Array): number {
    const scores = this.scoreUser(user, context);
    const world = context.world;
    const K = slate.length;
    const greedyLength = selectTopK(scores, context.available, K, world.consumed, user * world.wordsPerUser, this.greedy, this.heapScratch);
    let length = 0;
    let next = 0;
    for (let position = 0; position < K; position++) {
      if (context.random.next() < this.epsilon) {
        const filled = randomSlate(user, context, slate.subarray(0, length + 1), length);
        if (filled > length) {
          length = filled;
          continue;
        }
      }
      while (next < greedyLength && slateHas(slate, length, this.greedy[next]!)) next++;
      if (next < greedyLength) slate[length++] = this.greedy[next++]!;
    }
    return length;
  }
}

/** Candidate pool size M for the re-ranking policies. */
function poolSize(slateSize: number, available: number): number {
  return Math.min(available, Math.max(50, 5 * slateSize));
}

/** Shared candidate pool (top M by predicted probability) with relevance scaled to 0..1 within the pool. */
abstract class RerankPolicy extends ModelPolicy {
  protected readonly pool: Int32Array;
  protected readonly relevance: Float64Array;
  protected readonly taken: Uint8Array;
  private readonly heapScratch: Float32Array;

  constructor(trainer: ClickModelTrainer, capacity: number, users: number, slateSize: number) {
    super(trainer, capacity, users);
    const maxPool = Math.max(50, 5 * slateSize);
    this.pool = new Int32Array(maxPool);
    this.relevance = new Float64Array(maxPool);
    this.taken = new Uint8Array(maxPool);
    this.heapScratch = new Float32Array(maxPool);
  }

  /** Fills pool/relevance and returns the pool size. */
  protected buildPool(user: number, context: PolicyContext, slateSize: number): number {
    const scores = this.scoreUser(user, context);
    const world = context.world;
    const size = selectTopK(
      scores,
      context.available,
      poolSize(slateSize, context.available),
      world.consumed,
      user * world.wordsPerUser,
      this.pool,
      this.heapScratch,
    );
    if (size === 0) return 0;
    const best = scores[this.pool[0]!]!;
    const worst = scores[this.pool[size - 1]!]!;
    const range = best - worst;
    for (let c = 0; c < size; c++) this.relevance[c] = range > 0 ? (scores[this.pool[c]!]! - worst) / range : 1;
    this.taken.fill(0, 0, size);
    return size;
  }
}

/**
 * Maximal marginal relevance (Carbonell and Goldstein 1998): pick next the candidate maximising
 * lambda * relevance - (1 - lambda) * (largest cosine similarity of topic mixes to an item already
 * picked). lambda = 1 is the greedy slate; lower lambda trades relevance for diversity.
 */
export class MmrPolicy extends RerankPolicy {
  readonly kind = 'mmr' as const;
  private readonly maxSimilarity: Float64Array;

  constructor(
    private readonly lambda: number,
    trainer: ClickModelTrainer,
    capacity: number,
    users: number,
    slateSize: number,
  ) {
    super(trainer, capacity, users, slateSize);
    this.maxSimilarity = new Float64Array(this.pool.length);
  }

  recommend(user: number, context: PolicyContext, slate: Int32Array): number {
    const size = this.buildPool(user, context, slate.length);
    const unit = context.world.itemTopicsUnit;
    const T = context.world.topics;
    const lambda = this.lambda;
    this.maxSimilarity.fill(0, 0, size);
    let length = 0;
    while (length < slate.length && length < size) {
      let bestCandidate = -1;
      let bestValue = -Infinity;
      for (let c = 0; c < size; c++) {
        if (this.taken[c] === 1) continue;
        // The pool is sorted by relevance and similarity is >= 0: no later candidate can win.
        if (lambda * this.relevance[c]! <= bestValue) break;
        const value = lambda * this.relevance[c]! - (1 - lambda) * this.maxSimilarity[c]!;
        if (value > bestValue) {
          bestValue = value;
          bestCandidate = c;
        }
      }
      this.taken[bestCandidate] = 1;
      const picked = this.pool[bestCandidate]!;
      slate[length++] = picked;
      const qp = picked * T;
      for (let c = 0; c < size; c++) {
        if (this.taken[c] === 1) continue;
        const qc = this.pool[c]! * T;
        let dot = 0;
        for (let t = 0; t < T; t++) dot += unit[qp + t]! * unit[qc + t]!;
        if (dot > this.maxSimilarity[c]!) this.maxSimilarity[c] = dot;
      }
    }
    return length;
  }
}

/**
 * Calibrated recommendations (Steck 2018), greedy: pick next the candidate maximising
 * lambda * relevance - (1 - lambda) * KL(history topic mix || slate topic mix), where the slate mix
 * is smoothed with the history mix (alpha = 0.01) so the divergence stays finite. A user without
 * history is calibrated to a uniform mix. lambda = 1 is the greedy slate.
 */
export class CalibratedPolicy extends RerankPolicy {
  readonly kind = 'calibrated' as const;
  private readonly target: Float64Array;
  private readonly slateTopics: Float64Array;

  constructor(
    private readonly lambda: number,
    trainer: ClickModelTrainer,
    capacity: number,
    users: number,
    slateSize: number,
    topics: number,
  ) {
    super(trainer, capacity, users, slateSize);
    this.target = new Float64Array(topics);
    this.slateTopics = new Float64Array(topics);
  }

  recommend(user: number, context: PolicyContext, slate: Int32Array): number {
    const size = this.buildPool(user, context, slate.length);
    const world = context.world;
    const T = world.topics;
    const topics = world.itemTopics;
    const history = world.historyTopics;
    let historyTotal = 0;
    for (let t = 0; t < T; t++) historyTotal += history[user * T + t]!;
    for (let t = 0; t < T; t++) this.target[t] = historyTotal > 0 ? history[user * T + t]! / historyTotal : 1 / T;
    this.slateTopics.fill(0);
    const alpha = 0.01;
    const lambda = this.lambda;
    let length = 0;
    while (length < slate.length && length < size) {
      let bestCandidate = -1;
      let bestValue = -Infinity;
      for (let c = 0; c < size; c++) {
        if (this.taken[c] === 1) continue;
        // The pool is sorted by relevance and the divergence is >= 0: no later candidate can win.
        if (lambda * this.relevance[c]! <= bestValue) break;
        const q = this.pool[c]! * T;
        let divergence = 0;
        for (let t = 0; t < T; t++) {
          const p = this.target[t]!;
          if (p <= 0) continue;
          const mix = (this.slateTopics[t]! + topics[q + t]!) / (length + 1);
          divergence += p * Math.log(p / ((1 - alpha) * mix + alpha * p));
        }
        const value = lambda * this.relevance[c]! - (1 - lambda) * divergence;
        if (value > bestValue) {
          bestValue = value;
          bestCandidate = c;
        }
      }
      this.taken[bestCandidate] = 1;
      const picked = this.pool[bestCandidate]!;
      slate[length++] = picked;
      for (let t = 0; t < T; t++) this.slateTopics[t]! += topics[picked * T + t]!;
    }
    return length;
  }
}

/** Everything needed to build the policy of a spec. */
export interface PolicyFactoryOptions {
  spec: SimulationSpec;
  capacity: number;
  /** Makes the click-model trainer of greedy-mf, epsilon-greedy, mmr and calibrated (one per policy). */
  makeMatrixFactorization: () => ClickModelTrainer;
  /** Trainer of greedy-dlrm; required when the spec has one. */
  dlrmTrainer?: ClickModelTrainer;
}

/** Builds the Policy for one PolicySpec (parameters already validated/defaulted). */
export function createPolicy(policy: PolicySpec, options: PolicyFactoryOptions): Policy {
  const { spec, capacity } = options;
  const K = spec.slateSize;
  const U = spec.users;
  switch (policy.kind) {
    case 'random':
      return new RandomPolicy();
    case 'popularity':
      return new PopularityPolicy(capacity);
    case 'oracle':
      return new OraclePolicy(capacity, U, K);
    case 'greedy-mf':
      return new GreedyPolicy('greedy-mf', options.makeMatrixFactorization(), capacity, U, K);
    case 'greedy-dlrm':
      if (options.dlrmTrainer === undefined) throw new Error('policy greedy-dlrm needs a DLRM trainer (opts.dlrmTrainer)');
      return new GreedyPolicy('greedy-dlrm', options.dlrmTrainer, capacity, U, K);
    case 'epsilon-greedy':
      return new EpsilonGreedyPolicy(policy.epsilon ?? DEFAULT_EPSILON, options.makeMatrixFactorization(), capacity, U, K);
    case 'mmr':
      return new MmrPolicy(policy.lambda ?? DEFAULT_LAMBDA, options.makeMatrixFactorization(), capacity, U, K);
    case 'calibrated':
      return new CalibratedPolicy(policy.lambda ?? DEFAULT_LAMBDA, options.makeMatrixFactorization(), capacity, U, K, spec.topics);
    case 'user-knn':
    case 'item-knn':
    case 'als':
      return new GreedyPolicy(policy.kind, new CollaborativeTrainer(policy.kind, spec.seed), capacity, U, K);
    case 'linucb':
      return new LinUcbPolicy(capacity, spec.topics, K);
    case 'long-term':
      return new LongTermPolicy(options.makeMatrixFactorization(), capacity, U, K);
  }
}
