/**
 * The simulated world: users, a catalogue that grows every round, and how users choose from a
 * slate and change with what they consume. Everything here is ground truth that no policy sees
 * except the oracle.
 *
 * Shape letters: U users, T topics, C catalogue capacity (initial items + new items of every round),
 * W history window (last consumed items kept per user), K slate size.
 */
import type { SimulationSpec } from '../../domain';
import { Random, STREAM } from './random';
import { hasBit, setBit } from './select';

/** Fixed constants of the world model (documented in README.md). */
export const WORLD_CONSTANTS = {
  /** Dirichlet concentration of user preferences over topics (0.5: most users like 2-3 topics). */
  userConcentration: 0.5,
  /** Dirichlet concentration of item topic mixes (0.2: most items are mostly one topic). */
  itemConcentration: 0.2,
  /** Weight of topic affinity (cosine of preference and item topic mix, 0..1) in the utility. */
  affinityWeight: 3,
  /** Standard deviation of item quality (normal, mean 0), added to the utility. */
  qualitySd: 0.5,
  /** Weight of the extreme-content pull: utility += extremeAppeal * appetite * extremeness. */
  extremeAppeal: 2,
  /** Initial appetite for extreme content is uniform in [0, this]. */
  initialAppetiteMax: 0.3,
  /** Utility of not clicking anything in a slate. */
  noClickUtility: 3.4,
  /** Position attention: the item at rank r (1-based) gets weight r^-attentionExponent. */
  attentionExponent: 0.8,
  /** Items with extremeness at or above this count as extreme content. */
  extremeThreshold: 0.75,
  /** Number of recent consumed items kept per user for topic entropy and the tracked user's mix. */
  historyWindow: 10,
} as const;

export class World {
  readonly users: number;
  readonly topics: number;
  /** C: every item that will ever exist (initial + newItemsPerRound * rounds). */
  readonly capacity: number;
  /** 32-bit words per user in the consumed-item bitset. */
  readonly wordsPerUser: number;

  /** [U, T] preferences on the simplex (non-negative, sum 1). */
  readonly preferences: Float32Array;
  /** [U] L2 norm of each preference row, kept in step with drift. */
  readonly preferenceNorms: Float32Array;
  /** [U] appetite for extreme content, 0..1. */
  readonly appetite: Float32Array;
  /** [C, T] item topic mix on the simplex. */
  readonly itemTopics: Float32Array;
  /** [C, T] item topic mix scaled to unit L2 norm (for cosines). */
  readonly itemTopicsUnit: Float32Array;
  /** [C] quality. */
  readonly itemQuality: Float32Array;
  /** [C] extremeness 0..1. */
  readonly itemExtremeness: Float32Array;

  /** [U] 1 while the user is still using the service. */
  readonly active: Uint8Array;
  /** [U] consecutive slates without a click. */
  readonly missStreak: Int32Array;
  /** [U * wordsPerUser] bit i set once the user consumed item i. */
  readonly consumed: Uint32Array;
  /** [U] number of items consumed so far. */
  readonly consumedCount: Int32Array;
  /** [U, T] topic mass consumed so far (sum of consumed items' topic mixes). */
  readonly historyTopics: Float32Array;
  /** [U, W] ring buffer of the last consumed items. */
  readonly recentItems: Int32Array;
  /** [U] number of valid entries in recentItems (<= W). */
  readonly recentCount: Int32Array;
  /** [U] next write position in the ring. */
  readonly recentNext: Int32Array;

  private readonly spec: SimulationSpec;
  private readonly choiceRandom: Random;
  private readonly attention: Float64Array;
  private readonly choiceWeights: Float64Array;

  constructor(spec: SimulationSpec) {
    this.spec = spec;
    const T = spec.topics;
    this.users = spec.users;
    this.topics = T;
    this.capacity = spec.items + spec.newItemsPerRound * spec.rounds;
    this.wordsPerUser = (this.capacity + 31) >>> 5;
    const U = this.users;
    const C = this.capacity;
    const W = WORLD_CONSTANTS.historyWindow;

    const userRandom = new Random(spec.seed, STREAM.users);
    this.preferences = new Float32Array(U * T);
    this.preferenceNorms = new Float32Array(U);
    this.appetite = new Float32Array(U);
    for (let u = 0; u < U; u++) {
      userRandom.dirichlet(WORLD_CONSTANTS.userConcentration, this.preferences, u * T, T);
      this.appetite[u] = userRandom.next() * WORLD_CONSTANTS.initialAppetiteMax;
      this.updateNorm(u);
    }

    // The whole future catalogue is drawn up front from its own stream, so it is identical across
    // policies; item i arrives in round max(0, ceil((i - items + 1) / newItemsPerRound)).
    const itemRandom = new Random(spec.seed, STREAM.items);
    this.itemTopics = new Float32Array(C * T);
    this.itemTopicsUnit = new Float32Array(C * T);
    this.itemQuality = new Float32Array(C);
    this.itemExtremeness = new Float32Array(C);
    for (let i = 0; i < C; i++) {
      itemRandom.dirichlet(WORLD_CONSTANTS.itemConcentration, this.itemTopics, i * T, T);
      let norm = 0;
      for (let t = 0; t < T; t++) norm += this.itemTopics[i * T + t]! ** 2;
      norm = Math.sqrt(norm);
      for (let t = 0; t < T; t++) this.itemTopicsUnit[i * T + t] = this.itemTopics[i * T + t]! / norm;
      this.itemQuality[i] = WORLD_CONSTANTS.qualitySd * itemRandom.normal();
      // Squared uniform: most items are mild, about 13% are at or above the extreme threshold 0.75.
      const x = itemRandom.next();
      this.itemExtremeness[i] = x * x;
    }

    this.active = new Uint8Array(U).fill(1);
    this.missStreak = new Int32Array(U);
    this.consumed = new Uint32Array(U * this.wordsPerUser);
    this.consumedCount = new Int32Array(U);
    this.historyTopics = new Float32Array(U * T);
    this.recentItems = new Int32Array(U * W);
    this.recentCount = new Int32Array(U);
    this.recentNext = new Int32Array(U);

    this.choiceRandom = new Random(spec.seed, STREAM.choices);
    this.attention = new Float64Array(Math.max(1, spec.slateSize));
    for (let r = 0; r < this.attention.length; r++) this.attention[r] = Math.pow(r + 1, -WORLD_CONSTANTS.attentionExponent);
    this.choiceWeights = new Float64Array(this.attention.length);
  }

  /** Items that exist in `round` (0-based): the prefix [0, availableItems(round)) of the catalogue. */
  availableItems(round: number): number {
    return Math.min(this.capacity, this.spec.items + this.spec.newItemsPerRound * round);
  }

  /** True utility of item for user: affinity + quality + pull of extreme content. */
  utility(user: number, item: number): number {
    const T = this.topics;
    const p = user * T;
    const q = item * T;
    let dot = 0;
    for (let t = 0; t < T; t++) dot += this.preferences[p + t]! * this.itemTopicsUnit[q + t]!;
    const norm = this.preferenceNorms[user]!;
    const affinity = norm > 0 ? dot / norm : 0;
    return (
      WORLD_CONSTANTS.affinityWeight * affinity +
      this.itemQuality[item]! +
      WORLD_CONSTANTS.extremeAppeal * this.appetite[user]! * this.itemExtremeness[item]!
    );
  }

  /** Writes the true utility of items [0, count) for user into out[0 .. count). */
  utilities(user: number, count: number, out: Float32Array): void {
    const T = this.topics;
    const p = user * T;
    const norm = this.preferenceNorms[user]!;
    const scale = norm > 0 ? WORLD_CONSTANTS.affinityWeight / norm : 0;
    const pull = WORLD_CONSTANTS.extremeAppeal * this.appetite[user]!;
    const prefs = this.preferences;
    const unit = this.itemTopicsUnit;
    for (let i = 0; i < count; i++) {
      const q = i * T;
      let dot = 0;
      for (let t = 0; t < T; t++) dot += prefs[p + t]! * unit[q + t]!;
      out[i] = scale * dot + this.itemQuality[i]! + pull * this.itemExtremeness[i]!;
    }
  }

  /** Has the user consumed this item? */
  hasConsumed(user: number, item: number): boolean {
    return hasBit(this.consumed, user * this.wordsPerUser, item);
  }

  /**
   * Draws the user's choice from a slate: multinomial logit over utilities, each item weighted by
   * its rank's attention, against a no-click option. Draws exactly one uniform from the choice
   * stream per call, so streams stay aligned across policies.
   * @returns the slate position chosen, or -1 for no click.
   */
  choose(user: number, slate: Int32Array, length: number, utilitiesOut: Float64Array): number {
    const uniform = this.choiceRandom.next();
    let total = Math.exp(WORLD_CONSTANTS.noClickUtility);
    for (let r = 0; r < length; r++) {
      const utility = this.utility(user, slate[r]!);
      utilitiesOut[r] = utility;
      const weight = this.attention[r]! * Math.exp(utility);
      this.choiceWeights[r] = weight;
      total += weight;
    }
    let threshold = uniform * total;
    for (let r = 0; r < length; r++) {
      threshold -= this.choiceWeights[r]!;
      if (threshold < 0) return r;
    }
    return -1;
  }

  /** Skips one choice draw (for a user who has left), keeping the stream aligned. */
  skipChoice(): void {
    this.choiceRandom.next();
  }

  /** Records a consumption: history, drift of preferences toward the item, extreme drift. */
  consume(user: number, item: number): void {
    const T = this.topics;
    setBit(this.consumed, user * this.wordsPerUser, item);
    this.consumedCount[user]! += 1;
    const W = WORLD_CONSTANTS.historyWindow;
    this.recentItems[user * W + this.recentNext[user]!] = item;
    this.recentNext[user] = (this.recentNext[user]! + 1) % W;
    if (this.recentCount[user]! < W) this.recentCount[user]! += 1;
    const drift = this.spec.drift;
    for (let t = 0; t < T; t++) {
      const mass = this.itemTopics[item * T + t]!;
      this.historyTopics[user * T + t]! += mass;
      if (drift > 0) this.preferences[user * T + t] = (1 - drift) * this.preferences[user * T + t]! + drift * mass;
    }
    if (drift > 0) this.updateNorm(user);
    const extremeDrift = this.spec.extremeDrift;
    if (extremeDrift > 0) {
      const a = this.appetite[user]!;
      this.appetite[user] = a + extremeDrift * this.itemExtremeness[item]! * (1 - a);
    }
  }

  /** Topic mix of the user's last W consumed items into out[0 .. T) (all zeros when none); returns the count. */
  recentTopicMix(user: number, out: Float64Array): number {
    const T = this.topics;
    const W = WORLD_CONSTANTS.historyWindow;
    out.fill(0, 0, T);
    const count = this.recentCount[user]!;
    for (let k = 0; k < count; k++) {
      const item = this.recentItems[user * W + k]!;
      for (let t = 0; t < T; t++) out[t]! += this.itemTopics[item * T + t]!;
    }
    if (count > 0) for (let t = 0; t < T; t++) out[t] = out[t]! / count;
    return count;
  }

  private updateNorm(user: number): void {
    const T = this.topics;
    let norm = 0;
    for (let t = 0; t < T; t++) norm += this.preferences[user * T + t]! ** 2;
    this.preferenceNorms[user] = Math.sqrt(norm);
  }
}
