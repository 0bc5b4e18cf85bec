/**
 * Two categorical fields of a prepared split as (user, item, clicked) triples, for collaborative
 * filtering on a Criteo-format file (engine/cf/ctr.ts).
 *
 * Shape letters: L rows, B batch, F categorical features.
 */
import { orderedBatches, type BatchSourceLike } from './batch-source';

/** L rows of two fields' table rows and the labels. */
export interface FieldPairRows {
  /** [L] */
  users: Int32Array;
  /** [L] */
  items: Int32Array;
  /** [L] 1 clicked, 0 not. */
  clicked: Uint8Array;
}

/**
 * Reads the two fields of every row of a split (the first value of each bag; a row whose bag of
 * either field is empty is skipped).
 * @throws Error naming the field when it is not one of the split's F features
 */
export function fieldPairTriples(source: BatchSourceLike, userField: number, itemField: number, batchSize = 4096): FieldPairRows {
  const users: number[] = [];
  const items: number[] = [];
  const clicked: number[] = [];
  for (const batch of orderedBatches(source, batchSize)) {
    const { numFeatures: F, values, offsets } = batch.sparse;
    for (const [name, field] of [['userField', userField], ['itemField', itemField]] as const) {
      if (!Number.isInteger(field) || field < 0 || field >= F) throw new Error(`${name}: feature ${field} does not exist (the data has ${F} categorical features)`);
    }
    const B = batch.size;
    for (let b = 0; b < B; b++) {
      const u = offsets[userField * B + b]!;
      const i = offsets[itemField * B + b]!;
      if (u === offsets[userField * B + b + 1]! || i === offsets[itemField * B + b + 1]!) continue;
      users.push(values[u]!);
      items.push(values[i]!);
      clicked.push(batch.labels[b]! > 0.5 ? 1 : 0);
    }
  }
  return { users: Int32Array.from(users), items: Int32Array.from(items), clicked: Uint8Array.from(clicked) };
}

