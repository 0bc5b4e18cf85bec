/**
 * The impression log a policy's model learns from: one row per item shown (user, item, slate
 * position, round, clicked), plus the observable features of users and items. Rows are appended
 * each round; the typed-array views handed out are valid until the next append.
 *
 * Shape letters: L logged impressions, U users, A items available now, T topics.
 */

/** Observable features a click model may use (no hidden preferences, no quality). */
export interface SimulationFeatures {
  /** U. */
  readonly userCount: number;
  /** A: items that exist so far (ids 0 .. A-1). */
  readonly itemCount: number;
  /** T. */
  readonly topicCount: number;
  /** [A, T] topic mix of each item (content features). */
  readonly itemTopics: Float32Array;
  /** [A] extremeness of each item, 0..1 (a content feature, e.g. a classifier's score). */
  readonly itemExtremeness: Float32Array;
  /** [U, T] topic mass each user consumed so far (sum of consumed items' topic mixes). */
  readonly userHistoryTopics: Float32Array;
}

/** Logged impressions, oldest first. */
export interface InteractionLog {
  /** L. */
  readonly length: number;
  /** [L] user id. */
  readonly users: Int32Array;
  /** [L] item id. */
  readonly items: Int32Array;
  /** [L] 0-based slate position the item was shown at. */
  readonly positions: Uint8Array;
  /** [L] round of the impression. */
  readonly rounds: Int32Array;
  /** [L] 1 when the user clicked (consumed) the item, else 0. */
  readonly clicked: Uint8Array;
  readonly features: SimulationFeatures;
}

/** Growable implementation of InteractionLog. */
export class ImpressionLog implements InteractionLog {
  private size = 0;
  private userIds: Int32Array;
  private itemIds: Int32Array;
  private slatePositions: Uint8Array;
  private roundIds: Int32Array;
  private clicks: Uint8Array;
  features: SimulationFeatures;

  constructor(initialCapacity: number, features: SimulationFeatures) {
    const capacity = Math.max(16, initialCapacity);
    this.userIds = new Int32Array(capacity);
    this.itemIds = new Int32Array(capacity);
    this.slatePositions = new Uint8Array(capacity);
    this.roundIds = new Int32Array(capacity);
    this.clicks = new Uint8Array(capacity);
    this.features = features;
  }

  get length(): number {
    return this.size;
  }
  get users(): Int32Array {
    return this.userIds.subarray(0, this.size);
  }
  get items(): Int32Array {
    return this.itemIds.subarray(0, this.size);
  }
  get positions(): Uint8Array {
    return this.slatePositions.subarray(0, this.size);
  }
  get rounds(): Int32Array {
    return this.roundIds.subarray(0, this.size);
  }
  get clicked(): Uint8Array {
    return this.clicks.subarray(0, this.size);
  }

  append(user: number, item: number, position: number, round: number, clicked: boolean): void {
    if (this.size === this.userIds.length) this.grow();
    const row = this.size++;
    this.userIds[row] = user;
    this.itemIds[row] = item;
    this.slatePositions[row] = Math.min(255, position);
    this.roundIds[row] = round;
    this.clicks[row] = clicked ? 1 : 0;
  }

  private grow(): void {
    const capacity = this.userIds.length * 2;
    const users = new Int32Array(capacity);
    users.set(this.userIds);
    this.userIds = users;
    const items = new Int32Array(capacity);
    items.set(this.itemIds);
    this.itemIds = items;
    const positions = new Uint8Array(capacity);
    positions.set(this.slatePositions);
    this.slatePositions = positions;
    const rounds = new Int32Array(capacity);
    rounds.set(this.roundIds);
    this.roundIds = rounds;
    const clicks = new Uint8Array(capacity);
    clicks.set(this.clicks);
    this.clicks = clicks;
  }
}
