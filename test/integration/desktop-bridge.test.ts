/**
 * The desktop boundary end to end, without Electron: the real preload talks to the real main-side
 * handlers (doors/electron/ipc.ts) through a loopback that stands in for Electron's IPC. If the two
 * sides disagreed on a channel name or the reply shape, these calls would hang or fail.
 */
import { describe, expect, it, vi } from 'vitest';
import type { IpcMainInvokeEvent } from 'electron';
import { IPC_CHANNELS, PRELOAD_API_KEY, PRELOAD_API_METHODS, type PreloadApi } from '../../src-main/doors/desktop-bridge';
import { bindFilePicker, bindServiceToIpc, forwardEvents } from '../../src-main/doors/electron/ipc';
import type { ServiceDoor } from '../../src-main/service/door';
import type { StudioEvent } from '../../src-main/service/contract';
import { ApiError } from '../../src-main/service/validate';

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>;
const loopback = vi.hoisted(() => ({
  handlers: new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>(),
  rendererListeners: new Map<string, Set<(event: unknown, payload: unknown) => void>>(),
  exposed: new Map<string, unknown>(),
}));

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => loopback.exposed.set(key, value) },
  ipcRenderer: {
    invoke: async (channel: string, ...args: unknown[]) => {
      const handler = loopback.handlers.get(channel);
      if (!handler) throw new Error(`Error invoking remote method '${channel}': No handler registered`);
      return handler({ senderFrame: { url: 'file:///app/out/renderer/index.html' } }, ...args);
    },
    on: (channel: string, fn: (event: unknown, payload: unknown) => void) => {
      if (!loopback.rendererListeners.has(channel)) loopback.rendererListeners.set(channel, new Set());
      loopback.rendererListeners.get(channel)!.add(fn);
    },
    removeListener: (channel: string, fn: (event: unknown, payload: unknown) => void) => loopback.rendererListeners.get(channel)?.delete(fn),
  },
}));

function fakeService(): ServiceDoor & { emit(event: StudioEvent): void } {
  const listeners = new Set<(event: StudioEvent) => void>();
  return {
    async call(method, input) {
      if (method === 'runs.get') throw new ApiError('id: has an invalid format', 'bad-request', 'id');
      return { method, input };
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(event) {
      for (const listener of listeners) listener(event);
    },
  };
}

describe('desktop bridge: preload and main agree', async () => {
  const ipcMain = {
    handle: (channel: string, fn: Handler) => loopback.handlers.set(channel, fn as (event: unknown, ...args: unknown[]) => Promise<unknown>),
    removeHandler: (channel: string) => loopback.handlers.delete(channel),
  };
  const service = fakeService();
  bindServiceToIpc(ipcMain, service, { isTrustedSender: (url) => url.startsWith('file:///app/') });
  bindFilePicker(ipcMain, async () => ({ canceled: false, filePaths: ['/data/day_1.gz'] }), { isTrustedSender: () => true });
  const stopForwarding = forwardEvents(service, {
    isDestroyed: () => false,
    send: (channel: string, payload: unknown) => {
      for (const fn of loopback.rendererListeners.get(channel) ?? []) fn({}, payload);
    },
  } as Parameters<typeof forwardEvents>[1]);
  await import('../../src-main/doors/preload/index');
  const api = loopback.exposed.get(PRELOAD_API_KEY) as PreloadApi;

  it('main handles every channel the preload invokes, and only those', () => {
    expect([...loopback.handlers.keys()].sort()).toEqual([IPC_CHANNELS.call, IPC_CHANNELS.pickFile].sort());
    expect(new Set(Object.values(IPC_CHANNELS)).size).toBe(Object.keys(IPC_CHANNELS).length);
    expect(Object.keys(api).sort()).toEqual([...PRELOAD_API_METHODS].sort());
  });

  it('a call round-trips, and a refusal arrives as the service message', async () => {
    await expect(api.call('runs.list', { limit: 3 })).resolves.toEqual({ method: 'runs.list', input: { limit: 3 } });
    await expect(api.call('runs.get', { id: '../x' })).rejects.toThrow('id: has an invalid format');
  });

  it('the file picker round-trips', async () => {
    await expect(api.pickFile()).resolves.toBe('/data/day_1.gz');
  });

  it('pushed events reach the page until it unsubscribes', () => {
    const got: unknown[] = [];
    const stop = api.onEvent((event) => got.push(event));
    const first: StudioEvent = { type: 'run-status', runId: 'r1', status: 'running', error: null };
    service.emit(first);
    stop();
    service.emit({ type: 'run-status', runId: 'r1', status: 'finished', error: null });
    expect(got).toEqual([first]);
    stopForwarding();
  });
});
