/**
 * A policy that optimises a long-term objective: discounted clicks over a horizon, against the
 * myopic greedy policy that maximises the click of this slate only.
 *
 * Value estimate (Monte Carlo from the policy's own log): for every logged slate of user u in round t
 * whose horizon is complete (t + H rounds already logged), the return is
 *   G = sum_{k=1..H} gamma^k c(u, t + k),
 * c(u, r) = 1 when u clicked something in round r (0 when they got no click, or had left). G_i is
 * the mean return after slates in which the user clicked item i, shrunk toward the mean return after
 * any click with a prior of `priorCount` slates; G_none the mean return after slates without a click.
 * Showing item i to user u is then worth, to first order (one item at a time, position ignored):
 *   Q(u, i) = p(u, i) (1 + G_i) + (1 - p(u, i)) G_none  ~  p(u, i) (1 + G_i - G_none) + const,
 * with p(u, i) the click probability of the same logistic matrix factorisation the greedy policy uses.
 * The slate is the K items with the highest Q. What it learns is whatever raises future clicks in this
 * world: items after which users come back, and, when extreme content raises the appetite for it
 * (extremeDrift > 0), extreme items (the concern about engagement-optimising systems).
 *
 * Shape letters: U users, R rounds logged, A items available, K slate size.
 */
import type { ClickModelTrainer, Scorer } from './model';
import { isRetrainRound, PolarizationAccumulator, type Policy, type PolicyContext } from './policies';
import { selectTopK } from './select';

/** Horizon H, discount gamma and prior weight of the value estimate (documented in README.md). */
export const LONG_TERM_SETTINGS = { horizon: 5, discount: 0.9, priorCount: 5 } as const;

export interface ValueEstimate {
  /** [A] G_i, shrunk toward the mean return after a click. */
  afterClick: Float64Array;
  /** G_none. */
  afterNoClick: number;
  /** Slates with a complete horizon the estimate used. */
  slates: number;
}

/**
 * The value estimate from a log of slates (see the file header). Rounds [0, roundsLogged) are in the
 * log; only slates of rounds t with t + horizon < roundsLogged count.
 */
export function estimateValues(
  log: PolicyContext['log'],
  users: number,
  items: number,
  roundsLogged: number,
  settings: { horizon: number; discount: number; priorCount: number } = LONG_TERM_SETTINGS,
): ValueEstimate {
  const { horizon, discount, priorCount } = settings;
  const R = roundsLogged;
  // [U, R]: 0 no slate, 1 slate without a click, 2 slate with a click; clickedItem [U, R] the item
  const state = new Uint8Array(users * R);
  const clickedItem = new Int32Array(users * R).fill(-1);
  for (let row = 0; row < log.length; row++) {
    const round = log.rounds[row]!;
    if (round >= R) continue;
    const cell = log.users[row]! * R + round;
    if (state[cell] === 0) state[cell] = 1;
    if (log.clicked[row] === 1) {
      state[cell] = 2;
      clickedItem[cell] = log.items[row]!;
    }
  }
  const sum = new Float64Array(items);
  const count = new Float64Array(items);
  let clickSum = 0;
  let clickCount = 0;
  let noClickSum = 0;
  let noClickCount = 0;
  for (let u = 0; u < users; u++) {
    for (let t = 0; t + horizon < R; t++) {
      const cell = u * R + t;
      if (state[cell] === 0) continue;
      let ret = 0;
      let weight = discount;
      for (let k = 1; k <= horizon; k++, weight *= discount) if (state[cell + k] === 2) ret += weight;
      if (state[cell] === 2) {
        const item = clickedItem[cell]!;
        if (item < items) {
          sum[item]! += ret;
          count[item]! += 1;
        }
        clickSum += ret;
        clickCount++;
      } else {
        noClickSum += ret;
        noClickCount++;
      }
    }
  }
  const meanAfterClick = clickCount > 0 ? clickSum / clickCount : 0;
  const afterClick = new Float64Array(items);
  for (let i = 0; i < items; i++) afterClick[i] = (sum[i]! + priorCount * meanAfterClick) / (count[i]! + priorCount);
  return { afterClick, afterNoClick: noClickCount > 0 ? noClickSum / noClickCount : meanAfterClick, slates: clickCount + noClickCount };
}

export class LongTermPolicy implements Policy {
  readonly kind = 'long-term' as const;
  private scorer: Scorer | null = null;
  private values: ValueEstimate | null = null;
  /** Mean of G_i over the items of the estimate: the value of items that arrived after it. */
  private newItemValue = 0;
  private readonly probabilities: Float32Array;
  private readonly worth: Float32Array;
  private readonly heapScratch: Float32Array;
  private readonly polarization: PolarizationAccumulator;

  constructor(
    private readonly trainer: ClickModelTrainer,
    capacity: number,
    users: number,
    slateSize: number,
  ) {
    this.probabilities = new Float32Array(capacity);
    this.worth = new Float32Array(capacity);
    this.heapScratch = new Float32Array(slateSize);
    this.polarization = new PolarizationAccumulator(capacity, users);
  }

  async prepare(context: PolicyContext): Promise<void> {
    if (this.scorer === null || isRetrainRound(context.round, context.spec)) {
      this.scorer = await this.trainer.fit(context.log, context.round);
      const values = estimateValues(context.log, context.spec.users, context.available, context.round);
      let sum = 0;
      for (const value of values.afterClick) sum += value;
      this.newItemValue = values.afterClick.length > 0 ? sum / values.afterClick.length : values.afterNoClick;
      this.values = values;
    }
  }

  recommend(user: number, context: PolicyContext, slate: Int32Array): number {
    if (this.scorer === null || this.values === null) throw new Error('policy used before prepare()');
    const A = context.available;
    const p = this.probabilities;
    this.scorer.score(user, context.itemIds.subarray(0, A), p.subarray(0, A));
    if (this.polarization.samples(user)) this.polarization.add(p, A);
    const { afterClick, afterNoClick } = this.values;
    const known = afterClick.length;
    for (let i = 0; i < A; i++) {
      // items that arrived after the estimate get the mean return after a click
      const gain = 1 + (i < known ? afterClick[i]! : this.newItemValue) - afterNoClick;
      this.worth[i] = p[i]! * gain;
    }
    const world = context.world;
    return selectTopK(this.worth, A, slate.length, world.consumed, user * world.wordsPerUser, slate, this.heapScratch);
  }

  takePolarization(): number {
    return this.polarization.take();
  }
}
