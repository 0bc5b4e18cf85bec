import { describe, expect, it, vi } from 'vitest';
import type { StudioEvent } from '../../../../src-main/service/contract';
import { createElectronConnection } from './electron';
import type { PreloadBridge } from './transport';

function fakeBridge() {
  let push: ((event: unknown) => void) | null = null;
  const unsubscribe = vi.fn(() => {
    push = null;
  });
  const bridge: PreloadBridge = {
    call: vi.fn(async (method: string, input: unknown) => {
      if (method === 'runs.get') throw new Error("Error invoking remote method 'studio:call': Error: No run with id \"x\".");
      return { method, input };
    }),
    onEvent: vi.fn((listener: (event: unknown) => void) => {
      push = listener;
      return unsubscribe;
    }),
    pickFile: vi.fn(async () => '/data/day_0.tsv'),
  };
  return { bridge, unsubscribe, push: (event: unknown) => push?.(event) };
}

describe('electron client', () => {
  it('forwards calls to window.api and returns their result', async () => {
    const { bridge } = fakeBridge();
    const { client, transport } = createElectronConnection(bridge);
    expect(transport).toBe('electron');
    expect(await client.call('runs.list', { limit: 5 })).toEqual({ method: 'runs.list', input: { limit: 5 } });
  });

  it('offers the native file picker', async () => {
    const { bridge } = fakeBridge();
    const connection = createElectronConnection(bridge);
    expect(await connection.pickFile?.()).toBe('/data/day_0.tsv');
  });

  it('sends a plain copy without undefined fields (what IPC can clone)', async () => {
    const { bridge } = fakeBridge();
    const input = { id: 'r1', name: 'new name', notes: undefined };
    const proxy = new Proxy(input, {});
    await createElectronConnection(bridge).client.call('runs.update', proxy);
    const sent = (bridge.call as ReturnType<typeof vi.fn>).mock.calls[0][1] as Record<string, unknown>;
    expect(sent).toEqual({ id: 'r1', name: 'new name' });
    expect('notes' in sent).toBe(false);
    expect(sent).not.toBe(proxy);
  });

  it('rejects with the user-facing message, without the IPC prefix', async () => {
    const { bridge } = fakeBridge();
    await expect(createElectronConnection(bridge).client.call('runs.get', { id: 'x' })).rejects.toThrow(/^No run with id "x"\.$/);
  });

  it('shares one bridge subscription, drops malformed events, and unsubscribes after the last listener', () => {
    const { bridge, unsubscribe, push } = fakeBridge();
    const { client } = createElectronConnection(bridge);
    const first: StudioEvent[] = [];
    const stopFirst = client.onEvent((event) => first.push(event));
    const stopSecond = client.onEvent(() => {});
    expect(bridge.onEvent).toHaveBeenCalledTimes(1);
    push({ type: 'run-eval', runId: 'r', step: 3, metrics: {} });
    push('garbage');
    expect(first).toEqual([{ type: 'run-eval', runId: 'r', step: 3, metrics: {} }]);
    stopFirst();
    expect(unsubscribe).not.toHaveBeenCalled();
    stopSecond();
    expect(unsubscribe).toHaveBeenCalledTimes(1);
  });
});
