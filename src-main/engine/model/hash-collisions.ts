/**
 * Collisions of the hashing trick, from a field's statistics (issue #15). With n distinct values of a
 * field hashed uniformly into a table of m rows (the hashing encoding: value mod m behaves so for
 * Criteo's hashed hex values), per field:
 * - expected occupied rows: m (1 - (1 - 1/m)^n);
 * - share of values that share their row with at least one other value: 1 - (1 - 1/m)^(n - 1);
 * - distinct values from occupied rows (what a hashed cache's row counts give): the linear-counting
 *   estimate n = ln(1 - k/m) / ln(1 - 1/m) for k < m occupied rows (infinite at k = m: every row
 *   used, the count is unknown).
 * Powers are computed as exp(n log1p(-1/m)), accurate for m up to 2^31.
 */

/** Expected rows used when n distinct values hash uniformly into m rows. */
export function expectedOccupiedRows(distinct: number, rows: number): number {
  if (distinct <= 0) return 0;
  return rows * -Math.expm1(distinct * Math.log1p(-1 / rows));
}

/** Share of the n values whose row also holds another value (0 when n <= 1, all when m = 1). */
export function collidingShare(distinct: number, rows: number): number {
  if (distinct <= 1) return 0;
  if (rows <= 1) return 1;
  return -Math.expm1((distinct - 1) * Math.log1p(-1 / rows));
}

/** Linear-counting estimate of the distinct values behind k occupied rows of m (Infinity when k >= m). */
export function distinctFromOccupiedRows(occupied: number, rows: number): number {
  if (occupied <= 0) return 0;
  if (occupied >= rows) return Infinity;
  return Math.log1p(-occupied / rows) / Math.log1p(-1 / rows);
}
