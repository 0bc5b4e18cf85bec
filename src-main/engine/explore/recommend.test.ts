import { describe, expect, it } from 'vitest';
import { repeatWithFeature, sliceBatch } from './batch';
import { recommendItems, type ItemCandidate } from './recommend';
import { randomBatch, randomDotTestModel } from './testing';

describe('recommendItems', () => {
  const F = 4;
  const V = F + 1;
  const model = randomDotTestModel({ numFeatures: F, embeddingDim: 3, numDense: 2, tableSize: 50, seed: 12, bias: -1 });
  const context = sliceBatch(randomBatch(model, 10, 3), 4, 5);
  const itemFeature = 2;
  const candidates: ItemCandidate[] = Array.from({ length: 40 }, (_, i) => ({ row: i + 5, count: 10 + i, clicks: i % 7 }));

  it('ranks candidates by the probability of the context with the item substituted', () => {
    const top = recommendItems(model, context, itemFeature, candidates, { k: 5 });
    // Reference: score every candidate one by one.
    const scored = candidates
      .map((c) => ({ row: c.row, score: model.predict(repeatWithFeature(context, 0, itemFeature, [c.row]))[0] }))
      .sort((a, b) => b.score - a.score);
    expect(top.map((r) => r.itemRow)).toEqual(scored.slice(0, 5).map((s) => s.row));
    top.forEach((r, i) => expect(r.score).toBeCloseTo(scored[i].score, 6));
    const first = candidates.find((c) => c.row === top[0].itemRow)!;
    expect(top[0].count).toBe(first.count);
    expect(top[0].observedCtr).toBeCloseTo(first.clicks / first.count, 12);
  });

  it('gives the same answer whatever the chunk size', () => {
    const a = recommendItems(model, context, itemFeature, candidates, { k: 8, chunkSize: 7 });
    const b = recommendItems(model, context, itemFeature, candidates, { k: 8 });
    expect(a).toEqual(b);
  });

  it('names the three pairs with the largest |gradient x input|', () => {
    const [best] = recommendItems(model, context, itemFeature, candidates, { k: 1 });
    const batch = repeatWithFeature(context, 0, itemFeature, [best.itemRow]);
    const vectors = model.interactionVectors(batch);
    const names = ['dense', 'C1', 'C2', 'C3', 'C4'];
    const all: { a: string; b: string; contribution: number }[] = [];
    for (let i = 1; i < V; i++) {
      for (let j = 0; j < i; j++) {
        let dot = 0;
        for (let d = 0; d < 3; d++) dot += vectors[i * 3 + d] * vectors[j * 3 + d];
        all.push({ a: names[i], b: names[j], contribution: model.spec.pairWeights[i * V + j] * dot });
      }
    }
    all.sort((p, q) => Math.abs(q.contribution) - Math.abs(p.contribution));
    expect(best.topPairs.map((p) => `${p.a}x${p.b}`)).toEqual(all.slice(0, 3).map((p) => `${p.a}x${p.b}`));
    best.topPairs.forEach((p, i) => expect(p.contribution).toBeCloseTo(all[i].contribution, 5));
  });

  it('rejects rows outside the item table', () => {
    expect(() => recommendItems(model, context, itemFeature, [{ row: 50, count: 1, clicks: 0 }], { k: 1 })).toThrow(/outside/);
  });
});
