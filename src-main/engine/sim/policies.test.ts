import { describe, expect, it } from 'vitest';
import type { PolicySpec, SimulationSpec } from '../../domain';
import { ImpressionLog } from './log';
import { intraListDiversity } from './metrics';
import type { ClickModelTrainer } from './model';
import { createPolicy, type Policy, type PolicyContext } from './policies';
import { Random } from './random';
import { DEFAULT_SIMULATION } from './spec';
import { World } from './world';

const T = 4;
const spec: SimulationSpec = { ...DEFAULT_SIMULATION, users: 6, items: 40, topics: T, rounds: 3, slateSize: 4, newItemsPerRound: 0, startupRounds: 0, retrainEvery: 1 };

/** A world whose item i is purely about topic i % 4 (one-hot topic vectors). */
function oneHotWorld(): World {
  const world = new World(spec);
  world.itemTopics.fill(0);
  world.itemTopicsUnit.fill(0);
  for (let item = 0; item < world.capacity; item++) {
    world.itemTopics[item * T + (item % T)] = 1;
    world.itemTopicsUnit[item * T + (item % T)] = 1;
  }
  return world;
}

/** Scores topic-0 items high (0.9 minus a small slope by id), every other item 0.5 minus the slope. */
const topicZeroTrainer: ClickModelTrainer = {
  fit: () => ({
    score(_user, items, out) {
      for (let j = 0; j < items.length; j++) out[j] = (items[j]! % T === 0 ? 0.9 : 0.5) - items[j]! * 1e-3;
    },
  }),
};

function setup(policySpec: PolicySpec, world = oneHotWorld()): { policy: Policy; context: PolicyContext; world: World } {
  const log = new ImpressionLog(100, {
    userCount: spec.users,
    itemCount: spec.items,
    topicCount: T,
    itemTopics: world.itemTopics,
    itemExtremeness: world.itemExtremeness,
    userHistoryTopics: world.historyTopics,
  });
  const policy = createPolicy(policySpec, { spec, capacity: world.capacity, makeMatrixFactorization: () => topicZeroTrainer });
  const context: PolicyContext = {
    spec,
    world,
    round: 0,
    available: spec.items,
    itemIds: Int32Array.from({ length: world.capacity }, (_, i) => i),
    log,
    random: new Random(1),
  };
  return { policy, context, world };
}

async function slateOf(policySpec: PolicySpec, user = 0, world?: World): Promise<number[]> {
  const { policy, context } = setup(policySpec, world);
  await policy.prepare(context);
  const slate = new Int32Array(spec.slateSize);
  const length = policy.recommend(user, context, slate);
  return Array.from(slate.subarray(0, length));
}

describe('policies', () => {
  const kinds: PolicySpec[] = [
    { kind: 'random' },
    { kind: 'popularity' },
    { kind: 'oracle' },
    { kind: 'greedy-mf' },
    { kind: 'epsilon-greedy', epsilon: 0.5 },
    { kind: 'mmr', lambda: 0.5 },
    { kind: 'calibrated', lambda: 0.5 },
  ];

  it('every policy fills the slate with distinct items the user has not consumed', async () => {
    for (const kind of kinds) {
      const world = oneHotWorld();
      for (const item of [0, 4, 8, 1, 2]) world.consume(1, item);
      const slate = await slateOf(kind, 1, world);
      expect(slate, kind.kind).toHaveLength(spec.slateSize);
      expect(new Set(slate).size, kind.kind).toBe(slate.length);
      for (const item of slate) expect(world.hasConsumed(1, item), kind.kind).toBe(false);
    }
  });

  it('greedy takes the highest scores; epsilon 0 is greedy', async () => {
    expect(await slateOf({ kind: 'greedy-mf' })).toEqual([0, 4, 8, 12]);
    expect(await slateOf({ kind: 'epsilon-greedy', epsilon: 0 })).toEqual([0, 4, 8, 12]);
    const explored = await slateOf({ kind: 'epsilon-greedy', epsilon: 1 });
    expect(explored.filter((item) => item % T !== 0).length).toBeGreaterThan(0);
  });

  it('MMR with lambda 1 is greedy; with lambda 0.3 it spreads the slate over topics', async () => {
    expect(await slateOf({ kind: 'mmr', lambda: 1 })).toEqual([0, 4, 8, 12]);
    const diverse = await slateOf({ kind: 'mmr', lambda: 0.3 });
    // Relevance of the best topic-0 item is 1; the others sit lower but similarity 1 to item 0 costs 0.7.
    expect(new Set(diverse.map((item) => item % T)).size).toBe(4);
    const world = oneHotWorld();
    expect(intraListDiversity(Int32Array.from(diverse), 4, world.itemTopicsUnit, T)).toBe(1);
  });

  it('calibrated follows the topic mix of the user history', async () => {
    const world = oneHotWorld();
    // History: half topic 0, half topic 2.
    for (const item of [16, 20, 18, 22]) world.consume(0, item);
    const greedyish = await slateOf({ kind: 'calibrated', lambda: 1 }, 0, world);
    expect(greedyish.map((item) => item % T)).toEqual([0, 0, 0, 0]);
    // With lambda 0.1 the last pick weighs KL(0.5/0.5 || 0.75/0.25) = 0.14 (x 0.9) against a relevance
    // gap of about 0.9 (x 0.1) between topic-0 and topic-2 items, so it balances the slate 2:2.
    const calibrated = await slateOf({ kind: 'calibrated', lambda: 0.1 }, 0, world);
    const topics = calibrated.map((item) => item % T).sort();
    expect(topics).toEqual([0, 0, 2, 2]);
  });

  it('popularity ranks by logged clicks, the same for every user', async () => {
    const { policy, context } = setup({ kind: 'popularity' });
    for (const [item, clicks] of [[7, 3], [30, 5], [2, 1]] as const) {
      for (let k = 0; k < clicks; k++) context.log.append(3, item, 0, 0, true);
    }
    context.log.append(3, 9, 1, 0, false);
    await policy.prepare(context);
    const slate = new Int32Array(4);
    policy.recommend(0, context, slate);
    expect(Array.from(slate)).toEqual([30, 7, 2, 0]);
    expect(policy.takePolarization()).toBe(0);
  });

  it('the oracle shows the items of highest true utility', async () => {
    const world = oneHotWorld();
    const utilities = Array.from({ length: spec.items }, (_, item) => ({ item, utility: world.utility(5, item) }));
    const best = utilities.sort((a, b) => b.utility - a.utility).slice(0, 4).map((entry) => entry.item);
    expect(await slateOf({ kind: 'oracle' }, 5, world)).toEqual(best);
  });

  it('polarisation is the mean over items of the variance of scores across users', async () => {
    // Scores 1 for user 0 and 0 for user 1 on every item: variance 0.25 per item.
    const splitTrainer: ClickModelTrainer = {
      fit: () => ({ score: (user, items, out) => out.fill(user === 0 ? 1 : 0, 0, items.length) }),
    };
    const world = oneHotWorld();
    const policy = createPolicy({ kind: 'greedy-mf' }, { spec, capacity: world.capacity, makeMatrixFactorization: () => splitTrainer });
    const { context } = setup({ kind: 'random' }, world);
    await policy.prepare(context);
    const slate = new Int32Array(4);
    policy.recommend(0, context, slate);
    policy.recommend(1, context, slate);
    expect(policy.takePolarization()).toBeCloseTo(0.25, 12);
    expect(policy.takePolarization()).toBe(0);
  });
});
