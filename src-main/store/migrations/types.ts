import type { WritableDB } from '../db';

/** One schema change. `up` runs inside the transaction that also sets PRAGMA user_version = version. */
export interface Migration {
  /** 1, 2, 3, ... in order without gaps. */
  readonly version: number;
  readonly name: string;
  up(db: WritableDB): void;
}
