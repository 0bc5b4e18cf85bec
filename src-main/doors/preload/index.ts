/**
 * The narrow, typed bridge the renderer sees as `window.api`: exactly PreloadApi (service calls,
 * service events, the native dataset-file picker), never the raw ipcRenderer. Runs sandboxed
 * (CommonJS), so its bundle may require only `electron`; the boundary's names come from
 * doors/desktop-bridge.ts (plain constants, inlined by the build).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CHANNELS, PRELOAD_API_KEY, type IpcReply, type PreloadApi } from '../desktop-bridge';

const api: PreloadApi = {
  async call(method, input) {
    const reply = (await ipcRenderer.invoke(IPC_CHANNELS.call, method, input)) as IpcReply;
    if (reply.ok) return reply.value;
    throw new Error(reply.error.error);
  },
  async pickFile() {
    const reply = (await ipcRenderer.invoke(IPC_CHANNELS.pickFile)) as IpcReply;
    if (reply.ok) return typeof reply.value === 'string' ? reply.value : null;
    throw new Error(reply.error.error);
  },
  onEvent(listener) {
    const wrapped = (_event: IpcRendererEvent, payload: unknown): void => listener(payload);
    ipcRenderer.on(IPC_CHANNELS.event, wrapped);
    return () => {
      ipcRenderer.removeListener(IPC_CHANNELS.event, wrapped);
    };
  },
};

contextBridge.exposeInMainWorld(PRELOAD_API_KEY, api);
