import { describe, expect, it } from 'vitest';
import type { SimulationSpec } from '../../domain';
import { DEFAULT_SIMULATION } from './spec';
import { WORLD_CONSTANTS, World } from './world';

const spec: SimulationSpec = { ...DEFAULT_SIMULATION, users: 20, items: 50, topics: 5, rounds: 10, newItemsPerRound: 3, drift: 0.2, extremeDrift: 0.5 };

describe('World', () => {
  it('draws the same world for the same seed', () => {
    const a = new World(spec);
    const b = new World(spec);
    expect(b.preferences).toEqual(a.preferences);
    expect(b.itemQuality).toEqual(a.itemQuality);
    expect(new World({ ...spec, seed: spec.seed + 1 }).preferences).not.toEqual(a.preferences);
  });

  it('grows the catalogue by newItemsPerRound each round', () => {
    const world = new World(spec);
    expect(world.capacity).toBe(50 + 3 * 10);
    expect(world.availableItems(0)).toBe(50);
    expect(world.availableItems(4)).toBe(62);
  });

  it('chooses by multinomial logit with position attention and a no-click option', () => {
    const world = new World(spec);
    const slate = Int32Array.of(3, 7, 11);
    const utilities = new Float64Array(3);
    // Expected: weight of rank r (1-based) = r^-0.8 * exp(utility); no-click weight exp(3.4).
    const weights = Array.from(slate, (item, r) => Math.pow(r + 1, -WORLD_CONSTANTS.attentionExponent) * Math.exp(world.utility(0, item)));
    const total = weights.reduce((sum, w) => sum + w, Math.exp(WORLD_CONSTANTS.noClickUtility));
    const expected = [...weights.map((w) => w / total), Math.exp(WORLD_CONSTANTS.noClickUtility) / total];
    const n = 40_000;
    const counts = [0, 0, 0, 0];
    for (let k = 0; k < n; k++) {
      const chosen = world.choose(0, slate, 3, utilities);
      counts[chosen === -1 ? 3 : chosen]! += 1;
    }
    expect(utilities[1]).toBeCloseTo(world.utility(0, 7), 12);
    for (let k = 0; k < 4; k++) {
      const p = expected[k]!;
      const standardError = Math.sqrt((p * (1 - p)) / n);
      expect(Math.abs(counts[k]! / n - p)).toBeLessThan(5 * standardError);
    }
  });

  it('utilities() agrees with utility()', () => {
    const world = new World(spec);
    const out = new Float32Array(world.capacity);
    world.utilities(4, 50, out);
    for (const item of [0, 17, 49]) expect(out[item]).toBeCloseTo(world.utility(4, item), 5);
  });

  it('drifts preferences toward a consumed item and appetite toward extremes', () => {
    const world = new World(spec);
    const T = spec.topics;
    const user = 2;
    const item = 9;
    const before = Array.from(world.preferences.subarray(user * T, (user + 1) * T));
    const appetite = world.appetite[user]!;
    world.consume(user, item);
    for (let t = 0; t < T; t++) {
      const expected = 0.8 * before[t]! + 0.2 * world.itemTopics[item * T + t]!;
      expect(world.preferences[user * T + t]).toBeCloseTo(expected, 6);
    }
    const total = Array.from(world.preferences.subarray(user * T, (user + 1) * T)).reduce((sum, p) => sum + p, 0);
    expect(total).toBeCloseTo(1, 5);
    expect(world.appetite[user]).toBeCloseTo(appetite + 0.5 * world.itemExtremeness[item]! * (1 - appetite), 6);
    expect(world.hasConsumed(user, item)).toBe(true);
    expect(world.hasConsumed(user, item + 1)).toBe(false);
    const mix = new Float64Array(T);
    expect(world.recentTopicMix(user, mix)).toBe(1);
    for (let t = 0; t < T; t++) expect(mix[t]).toBeCloseTo(world.itemTopics[item * T + t]!, 6);
  });
});
