import { describe, expect, it } from 'vitest';
import type { SimulationSpec } from '../../domain';
import { LinUcb, LinUcbPolicy } from './linucb';
import { ImpressionLog } from './log';
import type { PolicyContext } from './policies';
import { Random } from './random';
import { World } from './world';
import { meanOverLastRounds, runSimulation } from './simulate';
import { DEFAULT_SIMULATION } from './spec';

/** A random unit vector of dimension d. */
function unitVector(random: Random, d: number): Float64Array {
  const v = new Float64Array(d);
  let norm = 0;
  for (let i = 0; i < d; i++) {
    v[i] = random.normal();
    norm += v[i]! ** 2;
  }
  for (let i = 0; i < d; i++) v[i] = v[i]! / Math.sqrt(norm);
  return v;
}

/**
 * A planted linear bandit: each round `arms` fresh unit-vector contexts, reward theta* . x + N(0, 0.1^2).
 * Returns the cumulative (pseudo-)regret of the chooser: sum of best mean reward - chosen mean reward.
 */
function plantedRegret(seed: number, choose: (contexts: Float64Array[], random: Random) => number, learn: (x: Float64Array, reward: number) => void): number {
  const d = 6;
  const arms = 20;
  const rounds = 1500;
  const random = new Random(seed, 11);
  const theta = unitVector(random, d);
  let regret = 0;
  for (let t = 0; t < rounds; t++) {
    const contexts = Array.from({ length: arms }, () => unitVector(random, d));
    const means = contexts.map((x) => x.reduce((sum, value, i) => sum + value * theta[i]!, 0));
    const chosen = choose(contexts, random);
    regret += Math.max(...means) - means[chosen]!;
    learn(contexts[chosen]!, means[chosen]! + 0.1 * random.normal());
  }
  return regret;
}

describe('LinUCB', () => {
  it('keeps A^-1 exact under rank-one updates (Sherman-Morrison)', () => {
    const d = 4;
    const learner = new LinUcb({ dimension: d, lambda: 2 });
    const random = new Random(3);
    const a = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 2 : 0)));
    for (let n = 0; n < 30; n++) {
      const x = Float64Array.from({ length: d }, () => random.normal());
      learner.update(x, 1);
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) a[i]![j]! += x[i]! * x[j]!;
    }
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let product = 0;
        for (let k = 0; k < d; k++) product += a[i]![k]! * learner.inverse[k * d + j]!;
        expect(product).toBeCloseTo(i === j ? 1 : 0, 9);
      }
    }
  });

  it('recovers theta on a planted linear bandit: its regret falls far below random choice (seeds 1-3)', () => {
    for (const seed of [1, 2, 3]) {
      const random = plantedRegret(seed, (contexts, r) => r.int(contexts.length), () => undefined);
      const learner = new LinUcb({ dimension: 6, alpha: 1, lambda: 1 });
      const linUcb = plantedRegret(
        seed,
        (contexts) => {
          learner.refresh();
          let best = 0;
          contexts.forEach((x, arm) => {
            if (learner.bound(x) > learner.bound(contexts[best]!)) best = arm;
          });
          return best;
        },
        (x, reward) => learner.update(x, reward),
      );
      expect(linUcb).toBeLessThan(0.2 * random);
    }
  });
});

describe('LinUCB and long-term policies in the simulator', () => {
  it('the policy\'s block-structured bound equals theta . x + alpha sqrt(x^T A^-1 x) computed directly', () => {
    const spec: SimulationSpec = { ...DEFAULT_SIMULATION, users: 5, items: 30, topics: 4, rounds: 2, slateSize: 3, newItemsPerRound: 0 };
    const world = new World(spec);
    const log = new ImpressionLog(64, {
      userCount: 5, itemCount: 30, topicCount: 4, itemTopics: world.itemTopics, itemExtremeness: world.itemExtremeness, userHistoryTopics: world.historyTopics,
    });
    const random = new Random(5);
    for (let n = 0; n < 40; n++) {
      const user = random.int(5);
      const item = random.int(30);
      const clicked = random.next() < 0.4;
      log.append(user, item, 0, 0, clicked);
      if (clicked && !world.hasConsumed(user, item)) world.consume(user, item);
    }
    const context: PolicyContext = { spec, world, round: 1, available: 30, itemIds: Int32Array.from({ length: 30 }, (_, i) => i), log, random };
    const policy = new LinUcbPolicy(30, 4, 3);
    policy.prepare(context);
    for (const user of [0, 3]) {
      policy.recommend(user, context, new Int32Array(3));
      const fast = Array.from(policy.lastBounds().subarray(0, 30));
      for (let item = 0; item < 30; item++) expect(fast[item]).toBeCloseTo(policy.directBound(user, item, context), 5);
    }
  });

  it('run, and LinUCB learning from its own slates engages more than random slates (seeds 1-2)', async () => {
    for (const seed of [1, 2]) {
      const spec: SimulationSpec = {
        ...DEFAULT_SIMULATION, seed, users: 200, items: 300, topics: 8, rounds: 20, newItemsPerRound: 5, retrainEvery: 5, startupRounds: 3,
        policies: [{ kind: 'random' }, { kind: 'linucb' }, { kind: 'long-term' }],
      };
      const result = await runSimulation(spec);
      const random = meanOverLastRounds(result.metrics['random']!, 'clickRate', 10);
      expect(meanOverLastRounds(result.metrics['linucb']!, 'clickRate', 10)).toBeGreaterThan(random);
      expect(meanOverLastRounds(result.metrics['long-term']!, 'clickRate', 10)).toBeGreaterThan(random);
      expect(result.metrics['long-term']!.at(-1)!.polarization).toBeGreaterThan(0);
    }
  }, 60_000);
});
