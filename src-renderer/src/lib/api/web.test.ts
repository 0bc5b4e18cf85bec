import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StudioEvent } from '../../../../src-main/service/contract';
import { createWebConnection, takeTokenFromLocation } from './web';

/** A stand-in for the browser's EventSource that tests drive by hand. */
class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static instances: FakeEventSource[] = [];
  readyState = FakeEventSource.CONNECTING;
  onopen: (() => void) | null = null;
  onmessage: ((message: { data: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeEventSource.instances.push(this);
  }
  close(): void {
    this.closed = true;
    this.readyState = FakeEventSource.CLOSED;
  }
}

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

beforeEach(() => {
  FakeEventSource.instances = [];
  vi.stubGlobal('EventSource', FakeEventSource);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('web client calls', () => {
  it('posts the input as JSON with the bearer token and returns the JSON result', async () => {
    const fetchMock = vi.fn(async () => jsonResponse(200, [{ name: 'criteo-kaggle' }]));
    vi.stubGlobal('fetch', fetchMock);
    const { client } = createWebConnection('secret');
    const result = await client.call('presets.list', {});
    expect(result).toEqual([{ name: 'criteo-kaggle' }]);
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/call/presets.list');
    expect(init.method).toBe('POST');
    expect(init.body).toBe('{}');
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer secret');
    expect((init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
  });

  it('throws the server message of an ApiErrorBody', async () => {
    vi.stubGlobal('fetch', async () => jsonResponse(400, { error: 'batchSize must be at least 1', field: 'train.batchSize', code: 'bad-request' }));
    const { client } = createWebConnection('secret');
    await expect(client.call('runs.get', { id: 'x' })).rejects.toThrow(/^batchSize must be at least 1$/);
  });

  it('explains a refused or missing token', async () => {
    vi.stubGlobal('fetch', async () => jsonResponse(401, { error: 'unauthorized', code: 'unauthorized' }));
    await expect(createWebConnection('wrong').client.call('app.info', {})).rejects.toThrow(/refused the access token/);
    await expect(createWebConnection(null).client.call('app.info', {})).rejects.toThrow(/no access token/);
  });

  it('says when the server cannot be reached or answers without JSON', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(createWebConnection('t').client.call('app.info', {})).rejects.toThrow(/Cannot reach/);
    vi.stubGlobal('fetch', async () => new Response('<html>', { status: 502 }));
    await expect(createWebConnection('t').client.call('app.info', {})).rejects.toThrow('The server answered HTTP 502.');
  });
});

describe('web client events', () => {
  it('opens one stream with the token, parses events and skips junk', () => {
    const connection = createWebConnection('a b');
    const received: StudioEvent[] = [];
    const states: string[] = [];
    connection.onLiveStateChange((state) => states.push(state));
    const stop = connection.client.onEvent((event) => received.push(event));
    connection.client.onEvent(() => {});
    expect(FakeEventSource.instances).toHaveLength(1);
    const source = FakeEventSource.instances[0];
    expect(source.url).toBe('/api/events?token=a%20b');
    source.onopen?.();
    source.onmessage?.({ data: JSON.stringify({ type: 'run-status', runId: 'r1', status: 'finished', error: null }) });
    source.onmessage?.({ data: 'not json' });
    source.onmessage?.({ data: JSON.stringify({ nope: true }) });
    expect(received).toEqual([{ type: 'run-status', runId: 'r1', status: 'finished', error: null }]);
    expect(states).toEqual(['live']);
    stop();
    expect(source.closed).toBe(false); // another listener remains
  });

  it('reconnects with back-off after the stream is closed by an error', () => {
    vi.useFakeTimers();
    const connection = createWebConnection('t');
    connection.client.onEvent(() => {});
    const first = FakeEventSource.instances[0];
    first.readyState = FakeEventSource.CLOSED;
    first.onerror?.();
    expect(connection.liveState()).toBe('reconnecting');
    vi.advanceTimersByTime(999);
    expect(FakeEventSource.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeEventSource.instances).toHaveLength(2);
    // Second failure waits twice as long.
    const second = FakeEventSource.instances[1];
    second.readyState = FakeEventSource.CLOSED;
    second.onerror?.();
    vi.advanceTimersByTime(1999);
    expect(FakeEventSource.instances).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeEventSource.instances).toHaveLength(3);
    FakeEventSource.instances[2].onopen?.();
    expect(connection.liveState()).toBe('live');
  });

  it('closes the stream when the last listener leaves', () => {
    const connection = createWebConnection('t');
    const stop = connection.client.onEvent(() => {});
    stop();
    expect(FakeEventSource.instances[0].closed).toBe(true);
  });
});

describe('takeTokenFromLocation', () => {
  function fakeWindow(hash: string) {
    const storage = new Map<string, string>();
    const replaced: string[] = [];
    const win = {
      location: { hash, pathname: '/', search: '' },
      history: { replaceState: (_state: unknown, _title: string, url: string) => replaced.push(url) },
      sessionStorage: {
        getItem: (key: string) => storage.get(key) ?? null,
        setItem: (key: string, value: string) => void storage.set(key, value),
      },
    };
    vi.stubGlobal('window', win);
    return { storage, replaced };
  }

  it('reads #token=..., stores it and removes it from the URL', () => {
    const { storage, replaced } = fakeWindow('#token=abc123');
    expect(takeTokenFromLocation()).toBe('abc123');
    expect([...storage.values()]).toEqual(['abc123']);
    expect(replaced).toEqual(['/#/runs']);
  });

  it('keeps a route that came with the token', () => {
    const { replaced } = fakeWindow('#/compare?ids=a,b&token=xyz');
    expect(takeTokenFromLocation()).toBe('xyz');
    expect(replaced).toEqual(['/#/compare?ids=a%2Cb']);
  });

  it('falls back to the stored token after a reload', () => {
    const { storage, replaced } = fakeWindow('#/runs');
    storage.set('dlrm-studio.token', 'kept');
    expect(takeTokenFromLocation()).toBe('kept');
    expect(replaced).toEqual([]);
  });
});
