/**
 * The desktop door's boundary, declared once: the IPC channel names, the reply every `invoke` gets,
 * and the `window.api` the preload exposes. Electron main (doors/electron/ipc.ts) handles these
 * channels, the preload (doors/preload) calls them and implements PreloadApi, and the renderer types
 * `window.api` as PreloadApi (a type import). Values here are plain strings: the sandboxed preload's
 * bundle inlines them, so it still requires only `electron`.
 *
 * To add a bridge function: add its channel here, its member to PreloadApi and its name to
 * PRELOAD_API_METHODS (a test checks the preload exposes exactly these), then handle the channel in
 * ipc.ts and implement it in the preload.
 */
import type { ApiErrorBody } from '../service/contract';

/** Every IPC channel between the renderer and Electron main. */
export const IPC_CHANNELS = {
  /** invoke(method, input) -> IpcReply with the service method's result. */
  call: 'studio:call',
  /** main -> renderer: each StudioEvent the service pushes. */
  event: 'studio:event',
  /** invoke() -> IpcReply with the chosen dataset file's path, or null when cancelled. */
  pickFile: 'studio:pick-file',
} as const;

export type IpcChannel = (typeof IPC_CHANNELS)[keyof typeof IPC_CHANNELS];

/** What travels back over IPC: Electron mangles thrown errors, so results are wrapped. */
export type IpcReply = { ok: true; value: unknown } | { ok: false; error: ApiErrorBody };

/** What the preload exposes as `window.api` (via contextBridge): exactly these three functions. */
export interface PreloadApi {
  /** Calls a service method; rejects with the service's user-facing message. */
  call(method: string, input: unknown): Promise<unknown>;
  /** Subscribes to service events; returns the unsubscribe function. */
  onEvent(listener: (event: unknown) => void): () => void;
  /** The native dataset-file dialog: the chosen path, or null when cancelled. */
  pickFile(): Promise<string | null>;
}

/** The names of PreloadApi's members, for the check that the preload exposes nothing else. */
export const PRELOAD_API_METHODS = ['call', 'onEvent', 'pickFile'] as const satisfies readonly (keyof PreloadApi)[];

/** The key under which the preload exposes the API on `window`. */
export const PRELOAD_API_KEY = 'api';
