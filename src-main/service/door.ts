/**
 * What a door needs from the service: one generic call by method name with untrusted input, and the
 * event stream. Doors hold no logic beyond transport; validation happens behind `call`.
 */
import type { StudioEvent } from './contract';

export interface ServiceDoor {
  /** Validates `input` for `method` and runs it. Rejects with ApiError for bad input or unknown methods. */
  call(method: string, input: unknown): Promise<unknown>;
  /**
   * Whether `method` exists, so a transport can refuse an unknown one before reading its input
   * (optional: without it, unknown methods are refused by `call`).
   */
  hasMethod?(method: string): boolean;
  /** Subscribes to pushed events; returns the unsubscribe function. */
  onEvent(listener: (event: StudioEvent) => void): () => void;
}
