/**
 * The two transports behind the one StudioClient the renderer uses. Nothing else in the renderer
 * knows which one is active.
 */
import type { StudioClient, StudioEvent } from '../../../../src-main/service/contract';
import type { PreloadApi } from '../../../../src-main/doors/desktop-bridge';

/** What the Electron preload exposes as `window.api` (via contextBridge), declared once beside the preload. */
export type PreloadBridge = PreloadApi;

declare global {
  interface Window {
    api?: PreloadBridge;
  }
}

/** Whether the push-event stream is connected (the desktop bridge always is). */
export type LiveState = 'connecting' | 'live' | 'reconnecting';

/** A client plus what the status bar shows about its transport. */
export interface StudioConnection {
  readonly client: StudioClient;
  readonly transport: 'electron' | 'web';
  /** The native file dialog (desktop only: a browser never reveals a file's path), else null. */
  readonly pickFile: (() => Promise<string | null>) | null;
  /** Current event-stream state and a way to watch it; returns the unsubscribe function. */
  liveState(): LiveState;
  onLiveStateChange(listener: (state: LiveState) => void): () => void;
}

/** A minimal shape check of a pushed event: an object with a string `type`. */
export function isStudioEvent(value: unknown): value is StudioEvent {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** Listener fan-out: one source subscription shared by many listeners; errors in one do not stop others. */
export class ListenerSet<T> {
  private readonly listeners = new Set<(value: T) => void>();

  get size(): number {
    return this.listeners.size;
  }

  add(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        console.error('Event listener failed', error);
      }
    }
  }
}
