import { describe, expect, it } from 'vitest';
import { RatingMatrix } from './matrix';
import { ItemKnn, UserKnn } from './neighbourhood';

const _ = NaN;
/**
 * 4 users x 5 items, NaN = not rated. User means: 3, 7/3, 2.75, 10/3.
 * Hand computations used below:
 * - cosine(u0, u1): co-rated items 0 and 3: (5*4 + 1*1) / (|(5,3,1)| |(4,1,2)|) = 21 / sqrt(35 * 21) = 0.774597
 * - cosine(u0, u2) = (5*1 + 3*1 + 1*5) / (sqrt(35) sqrt(43)) = 13 / sqrt(1505) = 0.335101
 * - cosine(u0, u3) = (3*1 + 1*4) / (sqrt(35) sqrt(42)) = 7 / sqrt(1470) = 0.182574
 *   so u0's two neighbours are u1 and u2.
 * - user-user implicit score(u0, item 0) = 0.774597 * 4 + 0.335101 * 1 = 3.433487
 * - user-user explicit prediction(u0, item 4) = 3 + (0.774597 * (2 - 7/3) + 0.335101 * (4 - 2.75)) / (0.774597 + 0.335101)
 *   = 3 + (-0.258199 + 0.418876) / 1.109698 = 3.144793
 * - Pearson(u0, u1) over items 0, 3 centred on the means 3 and 7/3: (2 * 5/3 + (-2) * (-4/3)) /
 *   sqrt((4 + 4) (25/9 + 16/9)) = 6 / sqrt(8 * 41/9) = 0.993884
 * - item cosine(i0, i1): users 0, 2 rated both: (5*3 + 1*1) / (|(5,4,1)| |(3,1,1)|) = 16 / sqrt(42 * 11) = 0.744387
 * - item 1's two neighbours: item 0 (0.744387) and item 3 (cosine (3*1 + 1*5 + 1*4) / (sqrt(11) sqrt(43)) = 12 / sqrt(473) = 0.551761)
 * - item-item implicit score(u0, item 1) = 0.744387 * 5 + 0.551761 * 1 = 4.273697
 * - item-item explicit prediction(u1, item 1) = (0.744387 * 4 + 0.551761 * 1) / (0.744387 + 0.551761) = 2.722922
 * (the same numbers came out of an independent dense Python computation of these definitions.)
 */
const ratings = RatingMatrix.fromDense([
  [5, 3, _, 1, _],
  [4, _, _, 1, 2],
  [1, 1, _, 5, 4],
  [_, 1, 5, 4, _],
]);
const allItems = Int32Array.from([0, 1, 2, 3, 4]);

function scores(model: { scoreItems(user: number, items: Int32Array, out: Float64Array): void }, user: number): number[] {
  const out = new Float64Array(5);
  model.scoreItems(user, allItems, out);
  return [...out];
}

describe('RatingMatrix', () => {
  it('keeps rows and columns consistent and sums repeated entries', () => {
    expect(ratings.entries).toBe(13);
    expect(ratings.get(2, 3)).toBe(5);
    expect(ratings.get(0, 2)).toBeUndefined();
    expect(ratings.userMean(1)).toBeCloseTo(7 / 3, 12);
    // column 3 holds users 0..3 with 1, 1, 5, 4
    const c = ratings.colStart;
    expect([...ratings.colUsers.subarray(c[3]!, c[4]!)]).toEqual([0, 1, 2, 3]);
    expect([...ratings.colValues.subarray(c[3]!, c[4]!)]).toEqual([1, 1, 5, 4]);
    const counts = RatingMatrix.fromEntries(2, 2, [{ user: 0, item: 1, value: 1 }, { user: 0, item: 1, value: 1 }]);
    expect(counts.get(0, 1)).toBe(2);
  });

  it('names the bad entry', () => {
    expect(() => RatingMatrix.fromEntries(2, 2, [{ user: 0, item: 0, value: 1 }, { user: 2, item: 0, value: 1 }])).toThrow(/entry 1: user 2/);
    expect(() => RatingMatrix.fromEntries(2, 2, [{ user: 0, item: 0, value: NaN }])).toThrow(/entry 0: value/);
  });
});

describe('user-user CF', () => {
  it('cosine neighbours and implicit scores match the hand computation', () => {
    const model = new UserKnn(ratings, { k: 2, similarity: 'cosine', feedback: 'implicit' });
    const n = model.neighbours;
    expect([...n.ids.subarray(n.start[0]!, n.start[1]!)]).toEqual([1, 2]);
    expect(n.similarities[n.start[0]!]).toBeCloseTo(21 / Math.sqrt(35 * 21), 12);
    expect(n.similarities[n.start[0]! + 1]).toBeCloseTo(13 / Math.sqrt(1505), 12);
    const s = scores(model, 0);
    expect(s[0]).toBeCloseTo(0.774597 * 4 + 0.335101 * 1, 5);
    expect(s[2]).toBe(0); // no neighbour rated item 2
    expect(s).toEqual([3.4334871974131373, 0.33510052044720356, 0, 2.450099271477501, 2.889595420271781].map((v) => expect.closeTo(v, 10)));
  });

  it('explicit predictions are mean-centred weighted averages over the neighbours who rated the item', () => {
    const model = new UserKnn(ratings, { k: 2, similarity: 'cosine', feedback: 'explicit' });
    const s = scores(model, 0);
    expect(s[4]).toBeCloseTo(3.144793338493467, 10);
    expect(s[2]).toBeCloseTo(3, 12); // nobody near rated it: the user's mean
    expect(scores(model, 2)[1]).toBeCloseTo(0.4166666666666665, 10);
  });

  it('Pearson similarity is the correlation over co-rated items, and negative neighbours are dropped', () => {
    const model = new UserKnn(ratings, { k: 2, similarity: 'pearson', feedback: 'explicit' });
    const n = model.neighbours;
    // u0 correlates positively only with u1
    expect([...n.ids.subarray(n.start[0]!, n.start[1]!)]).toEqual([1]);
    expect(n.similarities[n.start[0]!]).toBeCloseTo(6 / Math.sqrt((8 * 41) / 9), 12);
    expect(scores(model, 0)).toEqual([4.666666666666666, 3, 3, 1.6666666666666665, 2.6666666666666665].map((v) => expect.closeTo(v, 10)));
  });
});

describe('item-item CF', () => {
  it('cosine neighbours and implicit scores match the hand computation', () => {
    const model = new ItemKnn(ratings, { k: 2, similarity: 'cosine', feedback: 'implicit' });
    const n = model.neighbours;
    expect([...n.ids.subarray(n.start[1]!, n.start[2]!)]).toEqual([0, 3]);
    expect(n.similarities[n.start[1]!]).toBeCloseTo(16 / Math.sqrt(42 * 11), 12);
    expect(n.similarities[n.start[1]! + 1]).toBeCloseTo(12 / Math.sqrt(473), 12);
    const s = scores(model, 0);
    expect(s[1]).toBeCloseTo(0.744387 * 5 + 0.551761 * 1, 5);
    expect(s).toEqual([2.23316210495633, 4.2736974294399275, 1.5145283150637097, 0, 2.8203904514445837].map((v) => expect.closeTo(v, 10)));
  });

  it('explicit predictions are similarity-weighted means of the user ratings of the neighbours', () => {
    const model = new ItemKnn(ratings, { k: 2, similarity: 'cosine', feedback: 'explicit' });
    expect(scores(model, 1)[1]).toBeCloseTo(2.722922212957884, 10);
    expect(scores(model, 2)).toEqual([2.072245660954243, 2.702770382722822, 3.676864580940566, 4, 3.5774692975262].map((v) => expect.closeTo(v, 10)));
  });

  it('Pearson (adjusted cosine) centres on the user means', () => {
    const model = new ItemKnn(ratings, { k: 2, similarity: 'pearson', feedback: 'implicit' });
    const n = model.neighbours;
    expect([...n.ids.subarray(n.start[3]!, n.start[4]!)]).toEqual([2, 4]);
    expect(scores(model, 2)).toEqual([0.658504607868518, 0.658504607868518, 5, 3.85040309275047, 4.813003865938088].map((v) => expect.closeTo(v, 10)));
  });

  it('items beyond the fitted matrix (new arrivals) score 0 (implicit) or the user mean (explicit)', () => {
    const out = new Float64Array(1);
    new ItemKnn(ratings, { feedback: 'implicit' }).scoreItems(0, Int32Array.of(7), out);
    expect(out[0]).toBe(0);
    new UserKnn(ratings, { feedback: 'explicit' }).scoreItems(0, Int32Array.of(7), out);
    expect(out[0]).toBe(3);
  });
});
