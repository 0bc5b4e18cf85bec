/**
 * StudioClient over HTTP + server-sent events (web mode).
 *
 * The page is opened at http://127.0.0.1:PORT/#token=TOKEN. The token is read from the hash once, kept in
 * sessionStorage (so a reload keeps working) and removed from the visible URL. Calls are
 * `POST /api/call/<method>` with a Bearer token; events come from `/api/events?token=...`.
 */
import type {
  ApiErrorBody,
  MethodInput,
  MethodName,
  MethodResult,
  StudioClient,
  StudioEvent,
} from '../../../../src-main/service/contract';
import { isStudioEvent, ListenerSet, type LiveState, type StudioConnection } from './transport';

const TOKEN_KEY = 'dlrm-studio.token';
const MAX_RECONNECT_DELAY_MS = 15_000;

/** Takes `token=` out of the URL hash (keeping any route), stores it, and returns the token in use. */
export function takeTokenFromLocation(): string | null {
  const hash = window.location.hash.replace(/^#/, '');
  const queryStart = hash.indexOf('?');
  const route = hash.startsWith('/') ? (queryStart === -1 ? hash : hash.slice(0, queryStart)) : '';
  const paramsText = hash.startsWith('/') ? (queryStart === -1 ? '' : hash.slice(queryStart + 1)) : hash;
  const params = new URLSearchParams(paramsText);
  const fromHash = params.get('token');
  if (fromHash) {
    try {
      window.sessionStorage.setItem(TOKEN_KEY, fromHash);
    } catch {
      // Storage can be disabled; the token then lives only in memory for this page.
    }
    params.delete('token');
    const rest = params.toString();
    const newHash = route ? `#${route}${rest ? `?${rest}` : ''}` : '#/runs';
    window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}${newHash}`);
    return fromHash;
  }
  try {
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

/**
 * A token pasted into an open tab arrives as a hash change, not a page load: store it and reload, so
 * every part of the app starts over with it. Returns the stop function.
 */
export function reloadOnNewToken(): () => void {
  const onHashChange = () => {
    if (!/(^#|[?&#])token=/.test(window.location.hash)) return;
    takeTokenFromLocation();
    window.location.reload();
  };
  window.addEventListener('hashchange', onHashChange);
  return () => window.removeEventListener('hashchange', onHashChange);
}

export function createWebConnection(token: string | null, baseUrl = ''): StudioConnection {
  const listeners = new ListenerSet<StudioEvent>();
  const liveListeners = new ListenerSet<LiveState>();
  let state: LiveState = 'connecting';
  let source: EventSource | null = null;
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  let reconnectDelay = 1000;

  const setState = (next: LiveState) => {
    if (next === state) return;
    state = next;
    liveListeners.emit(next);
  };

  const connect = () => {
    reconnectTimer = null;
    const url = `${baseUrl}/api/events?token=${encodeURIComponent(token ?? '')}`;
    const eventSource = new EventSource(url);
    source = eventSource;
    eventSource.onopen = () => {
      reconnectDelay = 1000;
      setState('live');
    };
    eventSource.onmessage = (message: MessageEvent<string>) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(message.data);
      } catch {
        return; // a comment or keep-alive line, not an event
      }
      if (isStudioEvent(parsed)) listeners.emit(parsed);
    };
    eventSource.onerror = () => {
      setState('reconnecting');
      // EventSource retries by itself after network errors, but gives up (CLOSED) after an HTTP error;
      // then reconnect ourselves, backing off.
      if (eventSource.readyState === EventSource.CLOSED) {
        eventSource.close();
        if (source === eventSource) source = null;
        if (listeners.size > 0 && reconnectTimer === null) {
          reconnectTimer = setTimeout(connect, reconnectDelay);
          reconnectDelay = Math.min(reconnectDelay * 2, MAX_RECONNECT_DELAY_MS);
        }
      }
    };
  };

  const client: StudioClient = {
    async call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodResult<M>> {
      let response: Response;
      try {
        response = await fetch(`${baseUrl}/api/call/${encodeURIComponent(method)}`, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${token ?? ''}`,
            'Content-Type': 'application/json',
          },
          body: JSON.stringify(input ?? {}),
        });
      } catch {
        throw new Error('Cannot reach the DLRM Studio server. Is `npm run web` still running?');
      }
      const text = await response.text();
      if (!response.ok) throw new Error(errorText(response.status, text, token));
      try {
        return JSON.parse(text) as MethodResult<M>;
      } catch {
        throw new Error(`The server sent a reply that is not JSON for ${method}.`);
      }
    },
    onEvent(listener) {
      const remove = listeners.add(listener);
      if (!source && reconnectTimer === null) connect();
      return () => {
        remove();
        if (listeners.size === 0) {
          source?.close();
          source = null;
          if (reconnectTimer !== null) clearTimeout(reconnectTimer);
          reconnectTimer = null;
          setState('connecting');
        }
      };
    },
  };

  return {
    client,
    transport: 'web',
    pickFile: null,
    liveState: () => state,
    onLiveStateChange: (listener) => liveListeners.add(listener),
  };
}

function errorText(status: number, body: string, token: string | null): string {
  let parsed: Partial<ApiErrorBody> | null = null;
  try {
    parsed = JSON.parse(body) as Partial<ApiErrorBody>;
  } catch {
    parsed = null;
  }
  if (status === 401 || parsed?.code === 'unauthorized') {
    return token
      ? 'The server refused the access token. Open the address the web server printed at start (it ends in #token=...).'
      : 'This page has no access token. Open the address the web server printed at start (it ends in #token=...).';
  }
  // The message alone, as the desktop bridge gives it (the service's messages name the field).
  if (parsed && typeof parsed.error === 'string' && parsed.error) return parsed.error;
  return `The server answered HTTP ${status}.`;
}
