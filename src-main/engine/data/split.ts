/** Split rules: the reference's 7-"day" split and a seeded random split. */
import { combineSeeds } from './random';

/** Half-open row range [start, end). */
export interface RowRange {
  start: number;
  end: number;
}

export interface SplitRanges {
  train: RowRange;
  valid: RowRange;
  test: RowRange;
}

/**
 * The reference's Kaggle split (facebookresearch/dlrm, dlrm_data_pytorch.py): the N rows in file
 * order are cut into 7 consecutive "days" like np.array_split (the first N mod 7 days get one extra
 * row); days 0..5 are training; the last day is cut in two like np.array_split(last, 2):
 * its first half (one row more when odd) is the test split, the second half validation.
 */
export function days7Ranges(numRows: number): SplitRanges {
  const base = Math.floor(numRows / 7);
  const extra = numRows % 7;
  const trainEnd = 6 * base + Math.min(extra, 6);
  const lastDay = numRows - trainEnd;
  const testEnd = trainEnd + Math.ceil(lastDay / 2);
  return { train: { start: 0, end: trainEnd }, test: { start: trainEnd, end: testEnd }, valid: { start: testEnd, end: numRows } };
}

/** Which split a row goes to. */
export type SplitPart = 'train' | 'valid' | 'test';

/**
 * Seeded random split: row i goes to test with probability testFraction, to validation with
 * probability validFraction, else to training, decided by a hash of (seed, i) alone, so the
 * assignment needs no pass over the data and is the same for every reader. Sizes are binomial,
 * not exact.
 */
export function randomSplitAssigner(seed: number, validFraction: number, testFraction: number): (row: number) => SplitPart {
  const testLimit = testFraction * 4294967296;
  const validLimit = (testFraction + validFraction) * 4294967296;
  const seedHash = combineSeeds(seed, 0x5b1f);
  return (row: number) => {
    const u = combineSeeds(seedHash, row);
    return u < testLimit ? 'test' : u < validLimit ? 'valid' : 'train';
  };
}
