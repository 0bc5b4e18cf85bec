/**
 * The narrow, typed bridge the renderer sees as `window.api`. It exposes exactly three functions
 * (service calls, service events, the native dataset-file picker) and never the raw ipcRenderer. Runs sandboxed (CommonJS), so it may import only `electron`.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

const CALL_CHANNEL = 'studio:call';
const EVENT_CHANNEL = 'studio:event';
const PICK_FILE_CHANNEL = 'studio:pick-file';

type IpcReply = { ok: true; value: unknown } | { ok: false; error: { error: string; field?: string; code: string } };

const api = {
  /** Calls a service method; rejects with the service's user-facing message. */
  async call(method: string, input: unknown): Promise<unknown> {
    const reply = (await ipcRenderer.invoke(CALL_CHANNEL, method, input)) as IpcReply;
    if (reply.ok) return reply.value;
    throw new Error(reply.error.error);
  },
  /** Opens the native file dialog for a dataset; the chosen path, or null when cancelled. */
  async pickFile(): Promise<string | null> {
    const reply = (await ipcRenderer.invoke(PICK_FILE_CHANNEL)) as IpcReply;
    if (reply.ok) return typeof reply.value === 'string' ? reply.value : null;
    throw new Error(reply.error.error);
  },
  /** Subscribes to service events; returns the unsubscribe function. */
  onEvent(listener: (event: unknown) => void): () => void {
    const wrapped = (_event: IpcRendererEvent, payload: unknown): void => listener(payload);
    ipcRenderer.on(EVENT_CHANNEL, wrapped);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, wrapped);
    };
  },
};

export type PreloadApi = typeof api;

contextBridge.exposeInMainWorld('api', api);
