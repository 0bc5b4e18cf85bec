/**
 * A sparse users x items matrix of observed values (ratings, or click counts for implicit feedback),
 * stored twice: by user rows (CSR) and by item columns (CSC), so both user-user and item-item
 * methods and both ALS half-steps walk only the observed entries.
 *
 * Shape letters: U users, N items, E observed entries.
 */

/** One observed (user, item, value) triple. */
export interface Entry {
  user: number;
  item: number;
  value: number;
}

export class RatingMatrix {
  /** U. */
  readonly users: number;
  /** N. */
  readonly items: number;
  /** [U + 1] row u's entries are rowItems/rowValues[rowStart[u] .. rowStart[u + 1]), items ascending. */
  readonly rowStart: Int32Array;
  /** [E] */
  readonly rowItems: Int32Array;
  /** [E] */
  readonly rowValues: Float64Array;
  /** [N + 1] column i's entries are colUsers/colValues[colStart[i] .. colStart[i + 1]), users ascending. */
  readonly colStart: Int32Array;
  /** [E] */
  readonly colUsers: Int32Array;
  /** [E] */
  readonly colValues: Float64Array;

  private constructor(users: number, items: number, rowStart: Int32Array, rowItems: Int32Array, rowValues: Float64Array) {
    this.users = users;
    this.items = items;
    this.rowStart = rowStart;
    this.rowItems = rowItems;
    this.rowValues = rowValues;
    const E = rowItems.length;
    this.colStart = new Int32Array(items + 1);
    for (let e = 0; e < E; e++) this.colStart[rowItems[e]! + 1]! += 1;
    for (let i = 0; i < items; i++) this.colStart[i + 1]! += this.colStart[i]!;
    this.colUsers = new Int32Array(E);
    this.colValues = new Float64Array(E);
    const next = this.colStart.slice(0, items);
    for (let u = 0; u < users; u++) {
      for (let e = rowStart[u]!; e < rowStart[u + 1]!; e++) {
        const slot = next[rowItems[e]!]!++;
        this.colUsers[slot] = u;
        this.colValues[slot] = rowValues[e]!;
      }
    }
  }

  /** E, the number of observed entries. */
  get entries(): number {
    return this.rowItems.length;
  }

  /**
   * Builds the matrix from triples; repeated (user, item) pairs are summed (so clicks become counts).
   * @throws RangeError naming the first triple outside [0, users) x [0, items) or with a non-finite value
   */
  static fromEntries(users: number, items: number, entries: Iterable<Entry>): RatingMatrix {
    const rows: Map<number, number>[] = Array.from({ length: users }, () => new Map());
    let index = 0;
    for (const { user, item, value } of entries) {
      if (!Number.isInteger(user) || user < 0 || user >= users) throw new RangeError(`entry ${index}: user ${user} is outside [0, ${users})`);
      if (!Number.isInteger(item) || item < 0 || item >= items) throw new RangeError(`entry ${index}: item ${item} is outside [0, ${items})`);
      if (!Number.isFinite(value)) throw new RangeError(`entry ${index}: value ${value} is not a finite number`);
      const row = rows[user]!;
      row.set(item, (row.get(item) ?? 0) + value);
      index++;
    }
    const rowStart = new Int32Array(users + 1);
    for (let u = 0; u < users; u++) rowStart[u + 1] = rowStart[u]! + rows[u]!.size;
    const rowItems = new Int32Array(rowStart[users]!);
    const rowValues = new Float64Array(rowStart[users]!);
    for (let u = 0; u < users; u++) {
      const sorted = [...rows[u]!.entries()].sort((a, b) => a[0] - b[0]);
      let e = rowStart[u]!;
      for (const [item, value] of sorted) {
        rowItems[e] = item;
        rowValues[e] = value;
        e++;
      }
    }
    return new RatingMatrix(users, items, rowStart, rowItems, rowValues);
  }

  /** Builds the matrix from a dense [U, N] array in which NaN marks a missing entry (tests, small examples). */
  static fromDense(rows: readonly (readonly number[])[]): RatingMatrix {
    const users = rows.length;
    const items = users > 0 ? rows[0]!.length : 0;
    const entries: Entry[] = [];
    rows.forEach((row, user) => row.forEach((value, item) => {
      if (!Number.isNaN(value)) entries.push({ user, item, value });
    }));
    return RatingMatrix.fromEntries(users, items, entries);
  }

  /** Observed value of (user, item), or undefined. Binary search in the user's row. */
  get(user: number, item: number): number | undefined {
    let low = this.rowStart[user]!;
    let high = this.rowStart[user + 1]! - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const at = this.rowItems[middle]!;
      if (at === item) return this.rowValues[middle]!;
      if (at < item) low = middle + 1;
      else high = middle - 1;
    }
    return undefined;
  }

  /** Mean of user u's observed values (0 when the user has none). */
  userMean(user: number): number {
    const from = this.rowStart[user]!;
    const to = this.rowStart[user + 1]!;
    let sum = 0;
    for (let e = from; e < to; e++) sum += this.rowValues[e]!;
    return to > from ? sum / (to - from) : 0;
  }
}
