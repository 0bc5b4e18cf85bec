import { describe, expect, it, vi } from 'vitest';

// The preload runs inside Electron's sandbox; here `electron` is replaced by a recorder so the test
// sees exactly what the page would get through contextBridge.
const exposed: Record<string, unknown> = {};
const invoke = vi.fn();
const listeners = new Map<string, (...args: unknown[]) => void>();
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
  ipcRenderer: {
    invoke: (...args: unknown[]) => invoke(...args),
    on: (channel: string, fn: (...args: unknown[]) => void) => listeners.set(channel, fn),
    removeListener: (channel: string) => listeners.delete(channel),
  },
}));

describe('preload bridge', async () => {
  await import('./index');
  const api = exposed['api'] as {
    call(m: string, i: unknown): Promise<unknown>;
    onEvent(cb: (e: unknown) => void): () => void;
    pickFile(): Promise<string | null>;
  };

  it('exposes only call, onEvent and pickFile, never ipcRenderer itself', () => {
    expect(Object.keys(exposed)).toEqual(['api']);
    expect(Object.keys(api).sort()).toEqual(['call', 'onEvent', 'pickFile']);
  });

  it('pickFile returns the chosen path, null when cancelled, and the refusal as an Error', async () => {
    invoke.mockResolvedValueOnce({ ok: true, value: '/data/day_0.tsv' });
    await expect(api.pickFile()).resolves.toBe('/data/day_0.tsv');
    expect(invoke).toHaveBeenLastCalledWith('studio:pick-file');
    invoke.mockResolvedValueOnce({ ok: true, value: null });
    await expect(api.pickFile()).resolves.toBeNull();
    invoke.mockResolvedValueOnce({ ok: false, error: { error: 'calls are accepted only from the app window', code: 'unauthorized' } });
    await expect(api.pickFile()).rejects.toThrow('only from the app window');
  });

  it('unwraps results and turns error replies into Errors with the service message', async () => {
    invoke.mockResolvedValueOnce({ ok: true, value: [1, 2] });
    await expect(api.call('runs.list', {})).resolves.toEqual([1, 2]);
    expect(invoke).toHaveBeenLastCalledWith('studio:call', 'runs.list', {});
    invoke.mockResolvedValueOnce({ ok: false, error: { error: 'train.batchSize: must be >= 1', code: 'bad-request' } });
    await expect(api.call('runs.start', {})).rejects.toThrow('train.batchSize: must be >= 1');
  });

  it('delivers events without the IPC event object and unsubscribes', () => {
    const got: unknown[] = [];
    const stop = api.onEvent((e) => got.push(e));
    listeners.get('studio:event')!({ sender: 'secret' }, { type: 'run-status' });
    expect(got).toEqual([{ type: 'run-status' }]);
    stop();
    expect(listeners.has('studio:event')).toBe(false);
  });
});
