import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { InteractionLog } from '../sim';
import { DlrmClickModel } from './click-model';

/**
 * A logged world with 4 topics and 40 items (item i has topic i % 4). Users click exactly the items
 * of topic (user % 4): a click model that learns anything must rank a user's topic first.
 */
function plantedLog(users: number, impressions: number): InteractionLog {
  const items = 40;
  const topics = 4;
  const itemTopics = new Float32Array(items * topics);
  for (let i = 0; i < items; i++) itemTopics[i * topics + (i % topics)] = 1;
  const log = {
    length: impressions,
    users: new Int32Array(impressions),
    items: new Int32Array(impressions),
    positions: new Uint8Array(impressions),
    rounds: new Int32Array(impressions),
    clicked: new Uint8Array(impressions),
    features: {
      userCount: users,
      itemCount: items,
      topicCount: topics,
      itemTopics,
      itemExtremeness: new Float32Array(items),
      userHistoryTopics: new Float32Array(users * topics),
    },
  };
  for (let k = 0; k < impressions; k++) {
    const user = k % users;
    const item = (k * 7 + Math.floor(k / users)) % items;
    log.users[k] = user;
    log.items[k] = item;
    log.clicked[k] = item % topics === user % topics ? 1 : 0;
  }
  return log;
}

describe('DLRM click model for the simulation', () => {
  it('learns which topic each user clicks, scores in (0, 1), deterministically and without leaks', async () => {
    await tf.setBackend('cpu');
    const log = plantedLog(8, 4000);
    const scoresOf = (): Float32Array => {
      const model = new DlrmClickModel({ epochs: 3, batchSize: 128, learningRate: 0.02, itemTableSize: 64 });
      const scorer = model.fit(log, 0);
      const out = new Float32Array(4);
      scorer.score(1, Int32Array.from([0, 1, 2, 3]), out);
      expect(scorer.cacheable).toBe(true);
      model.dispose();
      return out;
    };
    // Warm up first (the backend keeps a few constants for good), then count tensors around a fit.
    const scores = scoresOf();
    const before = tf.memory().numTensors;
    for (const s of scores) expect(s > 0 && s < 1).toBe(true);
    // User 1 clicks topic 1 (item 1) only.
    expect(scores.indexOf(Math.max(...scores))).toBe(1);
    expect(scores[1]! - Math.max(scores[0]!, scores[2]!, scores[3]!)).toBeGreaterThan(0.3);
    expect(Array.from(scoresOf())).toEqual(Array.from(scores));
    expect(tf.memory().numTensors).toBe(before);
  });
});
