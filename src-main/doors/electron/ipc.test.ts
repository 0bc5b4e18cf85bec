import { describe, expect, it } from 'vitest';
import type { IpcMainInvokeEvent } from 'electron';
import { bindFilePicker, bindServiceToIpc, forwardEvents, type ShowOpenDialog } from './ipc';
import { IPC_CHANNELS, type IpcReply } from '../desktop-bridge';
import type { ServiceDoor } from '../../service/door';
import type { StudioEvent } from '../../service/contract';
import { ApiError } from '../../service/validate';

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<IpcReply>;

/** Stand-in for Electron's ipcMain: records the handler so the test can invoke it like a renderer. */
function fakeIpcMain(): { handlers: Map<string, Handler>; handle(ch: string, fn: Handler): void; removeHandler(ch: string): void } {
  const handlers = new Map<string, Handler>();
  return {
    handlers,
    handle: (channel, fn) => handlers.set(channel, fn),
    removeHandler: (channel) => handlers.delete(channel),
  };
}

function senderAt(url: string): IpcMainInvokeEvent {
  return { senderFrame: { url } } as unknown as IpcMainInvokeEvent;
}

function service(): ServiceDoor & { emit(e: StudioEvent): void } {
  const listeners = new Set<(e: StudioEvent) => void>();
  return {
    async call(method, input) {
      if (method === 'runs.get') throw new ApiError('id: has an invalid format', 'bad-request', 'id');
      if (method === 'boom') throw new Error('disk full');
      return { method, input };
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(e) {
      for (const l of listeners) l(e);
    },
  };
}

const APP_URL = 'file:///app/out/renderer/index.html';

describe('Electron IPC binding', () => {
  const ipc = fakeIpcMain();
  const remove = bindServiceToIpc(ipc as never, service(), { isTrustedSender: (url) => url === APP_URL });
  const invoke = (url: string, ...args: unknown[]): Promise<IpcReply> => ipc.handlers.get(IPC_CHANNELS.call)!(senderAt(url), ...args);

  it('routes a call from the app window to the service and wraps the result', async () => {
    await expect(invoke(APP_URL, 'runs.list', { limit: 3 })).resolves.toEqual({ ok: true, value: { method: 'runs.list', input: { limit: 3 } } });
  });

  it('refuses calls from any other frame (a navigated or injected page)', async () => {
    const reply = await invoke('https://evil.example/', 'runs.list', {});
    expect(reply).toEqual({ ok: false, error: { error: 'calls are accepted only from the app window', code: 'unauthorized' } });
  });

  it('refuses a non-string method name', async () => {
    const reply = await invoke(APP_URL, 42, {});
    expect(reply.ok).toBe(false);
  });

  it('carries validation errors with their field, and unexpected errors as internal', async () => {
    expect(await invoke(APP_URL, 'runs.get', { id: '../x' })).toEqual({
      ok: false,
      error: { error: 'id: has an invalid format', code: 'bad-request', field: 'id' },
    });
    expect(await invoke(APP_URL, 'boom', {})).toEqual({ ok: false, error: { error: 'disk full', code: 'internal' } });
  });

  it('returns a remover that unregisters the handler', () => {
    remove();
    expect(ipc.handlers.has(IPC_CHANNELS.call)).toBe(false);
  });

  it('forwards service events to the window until it is destroyed', () => {
    const svc = service();
    const sent: [string, unknown][] = [];
    let destroyed = false;
    const stop = forwardEvents(svc, { send: (ch: string, payload: unknown) => sent.push([ch, payload]), isDestroyed: () => destroyed } as never);
    const event: StudioEvent = { type: 'run-status', runId: 'a', status: 'running', error: null };
    svc.emit(event);
    destroyed = true;
    svc.emit(event);
    stop();
    expect(sent).toEqual([[IPC_CHANNELS.event, event]]);
  });
});

describe('dataset file picker over IPC', () => {
  const trusted = { isTrustedSender: (url: string) => url.startsWith('file:///app/') };

  it('answers the chosen path, or null when cancelled, to our window only', async () => {
    const ipc = fakeIpcMain();
    const answers = [{ canceled: false, filePaths: ['/data/day_0.tsv'] }, { canceled: true, filePaths: [] }];
    const asked: Parameters<ShowOpenDialog>[0][] = [];
    bindFilePicker(ipc, async (options) => {
      asked.push(options);
      return answers.shift()!;
    }, trusted);
    const pick = ipc.handlers.get(IPC_CHANNELS.pickFile)!;
    await expect(pick(senderAt('file:///app/index.html'))).resolves.toEqual({ ok: true, value: '/data/day_0.tsv' });
    await expect(pick(senderAt('file:///app/index.html'))).resolves.toEqual({ ok: true, value: null });
    expect(asked[0].properties).toEqual(['openFile']);
    expect(asked[0].filters[0].extensions).toContain('gz');
    const refused = await pick(senderAt('https://evil.example/'));
    expect(refused.ok).toBe(false);
    expect(asked).toHaveLength(2);
  });
});
