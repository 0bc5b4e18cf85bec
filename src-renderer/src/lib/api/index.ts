/**
 * Choosing the transport once at start-up, and handing the client to components through context.
 */
import { getContext } from 'svelte';
import type { StudioClient } from '../../../../src-main/service/contract';
import { createElectronConnection } from './electron';
import type { StudioConnection } from './transport';
import { createWebConnection, reloadOnNewToken, takeTokenFromLocation } from './web';

export type { LiveState, StudioConnection, PreloadBridge } from './transport';

/** Electron when the preload exposed `window.api`, else web mode. Call once, before routing starts. */
export function createStudioConnection(): StudioConnection {
  if (window.api) return createElectronConnection(window.api);
  const connection = createWebConnection(takeTokenFromLocation());
  reloadOnNewToken();
  return connection;
}

const CONNECTION_KEY = Symbol('studio-connection');

/** The initial context of the root component (svelte's `mount(App, { context })`). */
export function connectionContext(connection: StudioConnection): Map<unknown, unknown> {
  return new Map<unknown, unknown>([[CONNECTION_KEY, connection]]);
}

export function getStudioConnection(): StudioConnection {
  const connection = getContext<StudioConnection | undefined>(CONNECTION_KEY);
  if (!connection) throw new Error('No StudioConnection in context (main.ts mounts App with connectionContext).');
  return connection;
}

/** The client of the running app (must be called during component initialisation). */
export function getStudioClient(): StudioClient {
  return getStudioConnection().client;
}
