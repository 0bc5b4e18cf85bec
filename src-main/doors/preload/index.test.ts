import { describe, expect, it, vi } from 'vitest';
import { IPC_CHANNELS, PRELOAD_API_KEY, PRELOAD_API_METHODS, type PreloadApi } from '../desktop-bridge';

// The preload runs inside Electron's sandbox; here `electron` is replaced by a recorder so the test
// sees exactly what the page would get through contextBridge. The recorder keeps every listener per
// channel and removes only the very function it is given, as Electron's EventEmitter does.
const exposed: Record<string, unknown> = {};
const invoke = vi.fn();
const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
  ipcRenderer: {
    invoke: (...args: unknown[]) => invoke(...args),
    on: (channel: string, fn: (...args: unknown[]) => void) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(fn);
    },
    removeListener: (channel: string, fn: (...args: unknown[]) => void) => listeners.get(channel)?.delete(fn),
  },
}));

function deliver(channel: string, payload: unknown): void {
  for (const fn of listeners.get(channel) ?? []) fn({ sender: 'secret' }, payload);
}

describe('preload bridge', async () => {
  await import('./index');
  const api = exposed[PRELOAD_API_KEY] as PreloadApi;

  it('exposes exactly the declared PreloadApi under the declared key, never ipcRenderer itself', () => {
    expect(Object.keys(exposed)).toEqual([PRELOAD_API_KEY]);
    expect(Object.keys(api).sort()).toEqual([...PRELOAD_API_METHODS].sort());
    for (const name of PRELOAD_API_METHODS) expect(typeof api[name]).toBe('function');
  });

  it('pickFile returns the chosen path, null when cancelled, and the refusal as an Error', async () => {
    invoke.mockResolvedValueOnce({ ok: true, value: '/data/day_0.tsv' });
    await expect(api.pickFile()).resolves.toBe('/data/day_0.tsv');
    expect(invoke).toHaveBeenLastCalledWith(IPC_CHANNELS.pickFile);
    invoke.mockResolvedValueOnce({ ok: true, value: null });
    await expect(api.pickFile()).resolves.toBeNull();
    invoke.mockResolvedValueOnce({ ok: false, error: { error: 'calls are accepted only from the app window', code: 'unauthorized' } });
    await expect(api.pickFile()).rejects.toThrow('only from the app window');
  });

  it('unwraps results and turns error replies into Errors with the service message', async () => {
    invoke.mockResolvedValueOnce({ ok: true, value: [1, 2] });
    await expect(api.call('runs.list', {})).resolves.toEqual([1, 2]);
    expect(invoke).toHaveBeenLastCalledWith(IPC_CHANNELS.call, 'runs.list', {});
    invoke.mockResolvedValueOnce({ ok: false, error: { error: 'train.batchSize: must be >= 1', code: 'bad-request' } });
    await expect(api.call('runs.start', {})).rejects.toThrow('train.batchSize: must be >= 1');
  });

  it('delivers events without the IPC event object, and unsubscribing removes exactly its own listener', () => {
    const first: unknown[] = [];
    const second: unknown[] = [];
    const stopFirst = api.onEvent((e) => first.push(e));
    const stopSecond = api.onEvent((e) => second.push(e));
    expect(listeners.get(IPC_CHANNELS.event)?.size).toBe(2);
    deliver(IPC_CHANNELS.event, { type: 'run-status' });
    expect(first).toEqual([{ type: 'run-status' }]);
    expect(second).toEqual([{ type: 'run-status' }]);
    stopFirst();
    expect(listeners.get(IPC_CHANNELS.event)?.size).toBe(1);
    deliver(IPC_CHANNELS.event, { type: 'runs-changed' });
    expect(first).toHaveLength(1);
    expect(second).toHaveLength(2);
    stopSecond();
    expect(listeners.get(IPC_CHANNELS.event)?.size).toBe(0);
  });
});
