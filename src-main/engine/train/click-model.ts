/**
 * DLRM as the click model of the feedback-loop simulation ('greedy-dlrm' policy): trained on the
 * logged impressions, warm-started at every refit, scoring (user, item) pairs for the recommender.
 *
 * Features of an impression: categorical user id, item id (hashed into a fixed table so items that
 * arrive later still get a row) and the item's dominant topic; dense = the item's topic vector and
 * its extremeness. Scores depend only on the fitted weights, so the simulation may cache them until
 * the next refit.
 */
import type { ClickModelTrainer, InteractionLog, Scorer } from '../sim';
import type { Batch } from '../data/types';
import { DlrmTrainer, type TrainJob } from './trainer';

export interface DlrmClickModelOptions {
  /** Embedding dimension D. Default 8. */
  embeddingDim?: number;
  /** Rows of the item table (items are hashed into it). Default 16,384. */
  itemTableSize?: number;
  /** Passes over the (most recent) logged impressions at every refit. Default 2. */
  epochs?: number;
  /** Most recent impressions used per refit. Default 200,000. */
  maxImpressions?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
}

const NUM_FEATURES = 3;

export class DlrmClickModel implements ClickModelTrainer {
  private trainer: DlrmTrainer | null = null;
  private readonly dim: number;
  private readonly itemTableSize: number;
  private readonly options: Required<DlrmClickModelOptions>;

  constructor(options: DlrmClickModelOptions = {}) {
    this.options = {
      embeddingDim: 8,
      itemTableSize: 16_384,
      epochs: 2,
      maxImpressions: 200_000,
      batchSize: 512,
      learningRate: 0.01,
      seed: 1,
      ...options,
    };
    this.dim = this.options.embeddingDim;
    this.itemTableSize = this.options.itemTableSize;
  }

  fit(log: InteractionLog, _round?: number): Scorer {
    const { features } = log;
    const topics = features.topicCount;
    const numDense = topics + 1;
    if (!this.trainer) {
      const D = this.dim;
      const job: TrainJob = {
        model: { kind: 'dlrm', embeddingDim: D, bottomMlp: `${numDense}-32-${D}`, topMlp: '32-1', interaction: 'dot', hashSize: this.itemTableSize },
        optimizer: { dense: 'adam', sparse: 'rowwise-adagrad', learningRate: this.options.learningRate, warmupSteps: 0, decay: 'none' },
        train: { batchSize: this.options.batchSize, epochs: 1, evalEvery: 0, seed: this.options.seed, maxBadRowShare: 0, checkpointEvery: 0 },
        tableSizes: [features.userCount, this.itemTableSize, topics],
        numDense,
      };
      this.trainer = new DlrmTrainer(job);
    }
    const trainer = this.trainer;
    const start = Math.max(0, log.length - this.options.maxImpressions);
    const count = log.length - start;
    const B = this.options.batchSize;
    const order = new Int32Array(count);
    for (let i = 0; i < count; i++) order[i] = start + i;
    let seed = (this.options.seed * 2654435761 + log.length) >>> 0;
    for (let epoch = 0; epoch < this.options.epochs; epoch++) {
      // Seeded shuffle of the impressions (xorshift), so refits are deterministic.
      for (let i = count - 1; i > 0; i--) {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        const j = (seed >>> 0) % (i + 1);
        const t = order[i]!;
        order[i] = order[j]!;
        order[j] = t;
      }
      for (let at = 0; at < count; at += B) {
        const size = Math.min(B, count - at);
        const batch = this.batch(
          features,
          size,
          (b) => log.users[order[at + b]!]!,
          (b) => log.items[order[at + b]!]!,
        );
        for (let b = 0; b < size; b++) batch.labels[b] = log.clicked[order[at + b]!]!;
        trainer.step(batch, this.options.learningRate);
      }
    }
    return {
      cacheable: true,
      score: (user, items, out) => {
        const batch = this.batch(features, items.length, () => user, (b) => items[b]!);
        out.set(trainer.model.predict(batch));
      },
    };
  }

  /** A one-hot batch of (user, item) pairs: B rows, F = 3 tables, I = topics + 1. */
  private batch(
    features: InteractionLog['features'],
    size: number,
    userOf: (b: number) => number,
    itemOf: (b: number) => number,
  ): Batch {
    const topics = features.topicCount;
    const numDense = topics + 1;
    const dense = new Float32Array(size * numDense);
    const values = new Int32Array(NUM_FEATURES * size);
    const offsets = new Int32Array(NUM_FEATURES * size + 1);
    for (let i = 0; i <= NUM_FEATURES * size; i++) offsets[i] = i;
    for (let b = 0; b < size; b++) {
      const item = itemOf(b);
      let best = 0;
      for (let t = 0; t < topics; t++) {
        const v = features.itemTopics[item * topics + t]!;
        dense[b * numDense + t] = v;
        if (v > features.itemTopics[item * topics + best]!) best = t;
      }
      dense[b * numDense + topics] = features.itemExtremeness[item]!;
      values[b] = userOf(b);
      values[size + b] = item % this.itemTableSize;
      values[2 * size + b] = best;
    }
    return { size, dense, sparse: { numFeatures: NUM_FEATURES, batchSize: size, values, offsets }, labels: new Float32Array(size) };
  }

  dispose(): void {
    this.trainer?.dispose();
    this.trainer = null;
  }
}
