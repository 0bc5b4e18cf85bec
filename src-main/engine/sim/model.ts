/**
 * Click models that engagement-driven policies learn from the impression log, behind a small
 * interface so the DLRM trainer of the training engine can be plugged in ('greedy-dlrm') without
 * this folder importing tfjs. The matrix-factorisation model here ('greedy-mf') is plain
 * Float32Array SGD on the logistic loss.
 *
 * Shape letters: U users, A items available, D factor dimension, L logged impressions.
 */
import type { InteractionLog } from './log';
import { Random, STREAM } from './random';

/** Predicts click probabilities for (user, item) pairs. */
export interface Scorer {
  /** Writes the predicted click probability (0..1) of user on items[j] into out[j], j < items.length. */
  score(user: number, items: Int32Array, out: Float32Array): void;
  /**
   * True when a (user, item) score depends only on the fitted parameters, not on the round or on the
   * user's history, so the caller may cache scores until the next fit. Leave it out (false) for
   * models with history features, e.g. a DLRM fed the user's consumed topics.
   */
  readonly cacheable?: boolean;
  /**
   * 'probability' (the default): scores are click probabilities, and the policy's polarisation is
   * their variance across users. 'score': a ranking score on its own scale (collaborative filtering,
   * bandit indices); no polarisation is reported for it (0), since variances on different scales do
   * not compare.
   */
  readonly scale?: 'probability' | 'score';
}

/** Trains a click model on the logged (user, item, clicked) impressions and their features. */
export interface ClickModelTrainer {
  /**
   * Train (or continue training) on the log so far and return the scorer to use until the next call.
   * Called by the policy at the end of the start-up rounds and every `retrainEvery` rounds after.
   * The log's arrays are views valid only during the call: copy what must outlive it.
   */
  fit(log: InteractionLog, round: number): Promise<Scorer> | Scorer;
}

export interface MatrixFactorizationOptions {
  /** D, factor dimension (default 16). */
  dim?: number;
  /** SGD step size (default 0.05). */
  learningRate?: number;
  /** L2 penalty on factors and biases (default 1e-4). */
  regularization?: number;
  /** Passes over the log in the first fit (default 3). */
  epochs?: number;
  /** Passes over the log in later fits, which start from the previous parameters (default 1). */
  refitEpochs?: number;
  /** At most this many most recent impressions per fit (default 500,000). */
  maxImpressions?: number;
  /** Seed of the factor initialisation and the shuffling (default 0). */
  seed?: number;
}

/**
 * Logistic matrix factorisation, logit(user, item) = globalBias + userBias[user] + itemBias[item]
 * + userFactors[user] . itemFactors[item], trained by SGD on every logged impression (clicked = 1,
 * shown and not clicked = 0). It is deliberately naive about position: the confounding of what was
 * shown by what the previous model preferred is the feedback loop under study.
 */
export class MatrixFactorizationTrainer implements ClickModelTrainer {
  readonly dim: number;
  private readonly learningRate: number;
  private readonly regularization: number;
  private readonly epochs: number;
  private readonly refitEpochs: number;
  private readonly maxImpressions: number;
  private readonly random: Random;
  private globalBias = 0;
  private userCount = 0;
  private itemCount = 0;
  /** [U] */
  private userBias = new Float32Array(0);
  /** [A] */
  private itemBias = new Float32Array(0);
  /** [U, D] */
  private userFactors = new Float32Array(0);
  /** [A, D] */
  private itemFactors = new Float32Array(0);
  private order = new Int32Array(0);
  private fitted = false;

  constructor(options: MatrixFactorizationOptions = {}) {
    this.dim = options.dim ?? 16;
    this.learningRate = options.learningRate ?? 0.05;
    this.regularization = options.regularization ?? 1e-4;
    this.epochs = options.epochs ?? 3;
    this.refitEpochs = options.refitEpochs ?? 1;
    this.maxImpressions = options.maxImpressions ?? 500_000;
    this.random = new Random(options.seed ?? 0, STREAM.model);
  }

  fit(log: InteractionLog): Scorer {
    this.ensureCapacity(log.features.userCount, log.features.itemCount);
    const start = Math.max(0, log.length - this.maxImpressions);
    const count = log.length - start;
    if (count === 0) return this.scorer();
    const users = log.users;
    const items = log.items;
    const clicked = log.clicked;
    const epochs = this.fitted ? this.refitEpochs : this.epochs;
    if (!this.fitted) {
      let clicks = 0;
      for (let row = start; row < log.length; row++) clicks += clicked[row]!;
      const rate = Math.min(0.99, Math.max(0.01, clicks / count));
      this.globalBias = Math.log(rate / (1 - rate));
      this.fitted = true;
    }
    if (this.order.length < count) this.order = new Int32Array(count);
    const order = this.order;
    for (let k = 0; k < count; k++) order[k] = start + k;
    const D = this.dim;
    const lr = this.learningRate;
    const reg = this.regularization;
    const userBias = this.userBias;
    const itemBias = this.itemBias;
    const userFactors = this.userFactors;
    const itemFactors = this.itemFactors;
    let globalBias = this.globalBias;
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let k = count - 1; k > 0; k--) {
        const j = this.random.int(k + 1);
        const swap = order[k]!;
        order[k] = order[j]!;
        order[j] = swap;
      }
      for (let k = 0; k < count; k++) {
        const row = order[k]!;
        const user = users[row]!;
        const item = items[row]!;
        const p = user * D;
        const q = item * D;
        let logit = globalBias + userBias[user]! + itemBias[item]!;
        for (let d = 0; d < D; d++) logit += userFactors[p + d]! * itemFactors[q + d]!;
        // Gradient of the logistic loss with respect to the logit.
        const gradient = 1 / (1 + Math.exp(-logit)) - clicked[row]!;
        globalBias -= lr * 0.1 * gradient;
        userBias[user] = userBias[user]! - lr * (gradient + reg * userBias[user]!);
        itemBias[item] = itemBias[item]! - lr * (gradient + reg * itemBias[item]!);
        for (let d = 0; d < D; d++) {
          const pu = userFactors[p + d]!;
          const qi = itemFactors[q + d]!;
          userFactors[p + d] = pu - lr * (gradient * qi + reg * pu);
          itemFactors[q + d] = qi - lr * (gradient * pu + reg * qi);
        }
      }
    }
    this.globalBias = globalBias;
    return this.scorer();
  }

  /** The scorer over the current parameters (it reads them live; the next fit updates it in place). */
  scorer(): Scorer {
    return {
      score: (user, items, out) => this.score(user, items, out),
      cacheable: true,
    };
  }

  private score(user: number, items: Int32Array, out: Float32Array): void {
    const D = this.dim;
    const knownUser = user < this.userCount;
    const p = user * D;
    const base = this.globalBias + (knownUser ? this.userBias[user]! : 0);
    const userFactors = this.userFactors;
    const itemFactors = this.itemFactors;
    const itemBias = this.itemBias;
    const itemCount = this.itemCount;
    for (let j = 0; j < items.length; j++) {
      const item = items[j]!;
      let logit = base;
      if (item < itemCount) {
        logit += itemBias[item]!;
        if (knownUser) {
          const q = item * D;
          for (let d = 0; d < D; d++) logit += userFactors[p + d]! * itemFactors[q + d]!;
        }
      }
      out[j] = 1 / (1 + Math.exp(-logit));
    }
  }

  /** Grows the tables to cover users [0, users) and items [0, items), new rows drawn N(0, 0.1^2). */
  private ensureCapacity(users: number, items: number): void {
    const D = this.dim;
    if (users > this.userCount) {
      this.userBias = grow(this.userBias, users);
      this.userFactors = grow(this.userFactors, users * D);
      for (let k = this.userCount * D; k < users * D; k++) this.userFactors[k] = 0.1 * this.random.normal();
      this.userCount = users;
    }
    if (items > this.itemCount) {
      this.itemBias = grow(this.itemBias, items);
      this.itemFactors = grow(this.itemFactors, items * D);
      for (let k = this.itemCount * D; k < items * D; k++) this.itemFactors[k] = 0.1 * this.random.normal();
      this.itemCount = items;
    }
  }
}

function grow(array: Float32Array, length: number): Float32Array<ArrayBuffer> {
  const next = new Float32Array(length);
  next.set(array.subarray(0, Math.min(array.length, length)));
  return next;
}
