/** Context keys of the shared state classes, set once in App.svelte. */
import { getContext, setContext } from 'svelte';
import type { AppState } from './app.svelte';
import type { NoticesState } from './notices.svelte';
import type { Router } from './router.svelte';
import type { RunsState } from './runs.svelte';
import type { ThemeState } from './theme.svelte';

export interface SharedState {
  app: AppState;
  notices: NoticesState;
  router: Router;
  runs: RunsState;
  theme: ThemeState;
}

const KEY = Symbol('shared-state');

export function setSharedState(state: SharedState): void {
  setContext(KEY, state);
}

export function getSharedState(): SharedState {
  const state = getContext<SharedState | undefined>(KEY);
  if (!state) throw new Error('Shared state missing from context (setSharedState in App).');
  return state;
}
