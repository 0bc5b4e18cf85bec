/** StudioClient over the Electron preload bridge (`window.api`, IPC underneath). */
import type { MethodName, MethodInput, MethodResult, StudioClient, StudioEvent } from '../../../../src-main/service/contract';
import { isStudioEvent, ListenerSet, type PreloadBridge, type StudioConnection } from './transport';

export function createElectronConnection(bridge: PreloadBridge): StudioConnection {
  const listeners = new ListenerSet<StudioEvent>();
  let unsubscribeBridge: (() => void) | null = null;

  const client: StudioClient = {
    async call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodResult<M>> {
      try {
        // A JSON round trip gives IPC a plain object: Svelte state proxies cannot be structured-cloned,
        // and `undefined` fields are dropped exactly as on the web door. The main side validates inputs.
        const plainInput: unknown = JSON.parse(JSON.stringify(input ?? {}));
        return (await bridge.call(method, plainInput)) as MethodResult<M>;
      } catch (error) {
        throw new Error(cleanIpcMessage(error));
      }
    },
    onEvent(listener) {
      const remove = listeners.add(listener);
      unsubscribeBridge ??= bridge.onEvent((event) => {
        if (isStudioEvent(event)) listeners.emit(event);
      });
      return () => {
        remove();
        if (listeners.size === 0 && unsubscribeBridge) {
          unsubscribeBridge();
          unsubscribeBridge = null;
        }
      };
    },
  };

  return {
    client,
    transport: 'electron',
    pickFile: async () => {
      try {
        return await bridge.pickFile();
      } catch (error) {
        throw new Error(cleanIpcMessage(error));
      }
    },
    liveState: () => 'live',
    onLiveStateChange: () => () => {},
  };
}

/** Electron prefixes rejected IPC messages with "Error invoking remote method 'x': Error: "; drop that. */
function cleanIpcMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^Error invoking remote method '[^']*': (?:[A-Za-z]*Error: )?/, '');
}
