// The connection state the React hook shows: the channel status, with 'subscribed' held at
// 'catching-up' until the store has nothing in flight. A fake store stands in: pure logic.
import { describe, expect, it } from 'vitest';
import type { ChannelStatus, StatusListener } from '../channel-service.ts';
import { inboxConnection, type ConnectionSource } from '../react.ts';

function fakeStore(status: ChannelStatus = 'idle') {
  const listeners = new Set<StatusListener>();
  let busy = Promise.resolve();
  const store: ConnectionSource = {
    service: {
      status,
      onStatus(listener) {
        listeners.add(listener);
        listener(store.service.status);
        return () => listeners.delete(listener);
      },
    },
    whenIdle: () => busy,
  };
  return {
    store,
    listeners,
    /** Reports a status, with work in flight (the catch-up) until the returned function is called. */
    report(next: ChannelStatus): () => void {
      let finish: () => void = () => {};
      busy = new Promise((resolve) => (finish = resolve));
      (store.service as { status: ChannelStatus }).status = next;
      for (const listener of listeners) listener(next);
      return finish;
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('inboxConnection', () => {
  it('shows catching-up from the join until the catch-up is done, then connected', async () => {
    const fake = fakeStore('connecting');
    const connection = inboxConnection(fake.store);
    const seen: string[] = [];
    connection.subscribe(() => seen.push(connection.getSnapshot()));
    expect(connection.getSnapshot()).toBe('connecting');

    const finishCatchUp = fake.report('subscribed');
    await settle();
    expect(connection.getSnapshot()).toBe('catching-up');
    finishCatchUp();
    await settle();
    expect(seen).toEqual(['catching-up', 'connected']);
  });

  it('a catch-up that ends after the channel dropped again does not claim connected', async () => {
    const fake = fakeStore('connecting');
    const connection = inboxConnection(fake.store);
    connection.subscribe(() => {});
    const finishFirstCatchUp = fake.report('subscribed');
    await settle();
    fake.report('reconnecting');
    finishFirstCatchUp();
    await settle();
    expect(connection.getSnapshot()).toBe('reconnecting');
  });

  it('is one state per store, and stops listening to the channel when nobody watches', () => {
    const fake = fakeStore();
    const connection = inboxConnection(fake.store);
    expect(inboxConnection(fake.store)).toBe(connection);
    const off = connection.subscribe(() => {});
    const offToo = connection.subscribe(() => {});
    expect(fake.listeners.size).toBe(1);
    off();
    expect(fake.listeners.size).toBe(1);
    offToo();
    expect(fake.listeners.size).toBe(0);
  });
});
