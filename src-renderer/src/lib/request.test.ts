import { describe, expect, it } from 'vitest';
import { LatestRequest } from './request.svelte';

/** A promise the test settles by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('LatestRequest', () => {
  it('keeps the result and clears loading', async () => {
    const request = new LatestRequest<number>();
    const pending = request.run(async () => 4);
    expect(request.loading).toBe(true);
    await expect(pending).resolves.toBe(4);
    expect(request.result).toBe(4);
    expect(request.loading).toBe(false);
    expect(request.error).toBeNull();
  });

  it('drops a stale answer that arrives after a newer request', async () => {
    const request = new LatestRequest<string>();
    const slow = deferred<string>();
    const fast = deferred<string>();
    const first = request.run(() => slow.promise);
    const second = request.run(() => fast.promise);
    fast.resolve('new');
    await second;
    slow.resolve('old');
    await expect(first).resolves.toBeNull();
    expect(request.result).toBe('new');
    expect(request.loading).toBe(false);
  });

  it('shows only the latest failure, keeps the previous result, and tells long work it was replaced', async () => {
    const request = new LatestRequest<string>();
    await request.run(async () => 'kept');
    const stale = deferred<string>();
    let sawReplaced = false;
    const first = request.run(async (isCurrent) => {
      await stale.promise.catch(() => undefined);
      sawReplaced = !isCurrent();
      throw new Error('stale failure');
    });
    const second = request.run(async () => {
      throw new Error('disk full');
    });
    await second;
    stale.reject(new Error('x'));
    await first;
    expect(sawReplaced).toBe(true);
    expect(request.error).toBe('disk full');
    expect(request.result).toBe('kept');
    request.reset();
    expect([request.result, request.error, request.loading]).toEqual([null, null, false]);
  });
});
