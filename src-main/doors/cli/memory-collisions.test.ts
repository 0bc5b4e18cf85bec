import { describe, expect, it } from 'vitest';
import type { HashCollisionPlan } from '../../domain';
import { UsageError } from './args';
import { collisionLines, distinctArg } from './memory';

describe('plan --distinct', () => {
  it('parses kaggle or 26 counts, and refuses anything else', () => {
    expect(distinctArg(undefined)).toBeUndefined();
    expect(distinctArg('kaggle')).toBe('criteo-kaggle');
    expect(distinctArg(Array.from({ length: 26 }, (_, f) => f).join(','))).toEqual(Array.from({ length: 26 }, (_, f) => f));
    expect(() => distinctArg('1,2,3')).toThrow(UsageError);
    expect(() => distinctArg(Array.from({ length: 26 }, () => 'x').join(','))).toThrow(/26 comma-separated/);
  });

  it('prints the overall share and one line per table with values', () => {
    const plan: HashCollisionPlan = {
      collidingShare: 0.25,
      tables: [
        { feature: 0, distinct: 100, rows: 1000, occupiedRows: 95.2, collidingShare: 0.0943 },
        { feature: 1, distinct: 0, rows: 1000, occupiedRows: 0, collidingShare: 0 },
      ],
    };
    const lines = collisionLines(plan);
    expect(lines[0]).toMatch(/25\.0% of all values share a row/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('  C1: 100 distinct values in 1000 rows, 95 rows used, 9.4% share a row');
    // says where the distinct values came from
    expect(collisionLines({ ...plan, distinctSource: 'prepared' })[0]).toMatch(/^hashing collisions \(expected, from the distinct values counted when the data was prepared\)/);
    expect(collisionLines({ ...plan, distinctSource: 'prepared-estimate' })[0]).toMatch(/largest features estimated within ~1%/);
    expect(collisionLines({ ...plan, distinctSource: 'criteo-kaggle' })[0]).toMatch(/Criteo Kaggle train set's distinct values/);
  });
});
