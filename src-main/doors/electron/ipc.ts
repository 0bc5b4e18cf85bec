/**
 * Electron IPC binding of the service. Transport only: one channel for calls, one for events, one for
 * the file picker (their names and the reply shape are declared in doors/desktop-bridge.ts).
 * Kept free of runtime `electron` imports so it is testable without the Electron binary.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import type { ServiceDoor } from '../../service/door';
import { ApiError } from '../../service/validate';
import { IPC_CHANNELS, type IpcReply } from '../desktop-bridge';

/** The file kinds the dataset picker offers (Electron's dialog filter format). */
export const DATASET_FILE_FILTERS = [
  { name: 'Criteo click logs (TSV, CSV, gzip)', extensions: ['txt', 'tsv', 'csv', 'gz'] },
  { name: 'All files', extensions: ['*'] },
];

/** Electron's dialog.showOpenDialog, narrowed to what the picker uses (a fake in tests). */
export type ShowOpenDialog = (options: {
  title: string;
  properties: ['openFile'];
  filters: typeof DATASET_FILE_FILTERS;
}) => Promise<{ canceled: boolean; filePaths: string[] }>;

export interface IpcBindingOptions {
  /** True when the frame that sent a call is our own renderer (file:// of out/renderer or the dev server). */
  isTrustedSender(senderUrl: string): boolean;
}

/** Registers the call handler; returns the remover. */
export function bindServiceToIpc(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  service: ServiceDoor,
  options: IpcBindingOptions,
): () => void {
  ipcMain.handle(IPC_CHANNELS.call, async (event: IpcMainInvokeEvent, method: unknown, input: unknown): Promise<IpcReply> => {
    const senderUrl = event.senderFrame?.url ?? '';
    if (!options.isTrustedSender(senderUrl)) {
      return { ok: false, error: { error: 'calls are accepted only from the app window', code: 'unauthorized' } };
    }
    if (typeof method !== 'string') {
      return { ok: false, error: { error: 'method must be a string', code: 'bad-request' } };
    }
    try {
      return { ok: true, value: await service.call(method, input) };
    } catch (err) {
      const apiError = err instanceof ApiError ? err : new ApiError(err instanceof Error ? err.message : String(err), 'internal');
      return { ok: false, error: apiError.toBody() };
    }
  });
  return () => ipcMain.removeHandler(IPC_CHANNELS.call);
}

/**
 * Registers the native file picker for dataset files: the desktop door's way to give a path (the web
 * mode cannot: a browser never reveals one). Replies with the chosen path, or null when cancelled.
 * Only our own window may ask, and the page gets nothing but the path the user chose.
 */
export function bindFilePicker(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  showOpenDialog: ShowOpenDialog,
  options: IpcBindingOptions,
): () => void {
  ipcMain.handle(IPC_CHANNELS.pickFile, async (event: IpcMainInvokeEvent): Promise<IpcReply> => {
    if (!options.isTrustedSender(event.senderFrame?.url ?? '')) {
      return { ok: false, error: { error: 'calls are accepted only from the app window', code: 'unauthorized' } };
    }
    const result = await showOpenDialog({ title: 'Choose a Criteo click log', properties: ['openFile'], filters: DATASET_FILE_FILTERS });
    return { ok: true, value: result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0] };
  });
  return () => ipcMain.removeHandler(IPC_CHANNELS.pickFile);
}

/** Forwards service events to one window's renderer; returns the remover. */
export function forwardEvents(service: ServiceDoor, target: Pick<WebContents, 'send' | 'isDestroyed'>): () => void {
  return service.onEvent((event) => {
    if (!target.isDestroyed()) target.send(IPC_CHANNELS.event, event);
  });
}
