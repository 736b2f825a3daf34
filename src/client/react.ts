// React bindings for InboxStore: hooks over useSyncExternalStore, so components re-render exactly when
// the store's immutable snapshot changes. React is an optional peer: only this module imports it.
// Server rendering gets the same snapshots (an empty inbox, 'idle'): the store only fills in a browser.
import { useSyncExternalStore } from 'react';
import type { ChannelStatus } from './channel-service.ts';
import type { InboxState } from './inbox-state.ts';
import type { InboxStore } from './inbox-store.ts';

/** The inbox: conversations (latest activity first), loaded messages, total unread. */
export function useInbox(store: InboxStore): InboxState {
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/**
 * The channel's status, with `subscribed` split in two: `catching-up` until the store has read what it
 * missed while away (and finished any other request under way), then `connected`.
 */
export type Connection = Exclude<ChannelStatus, 'subscribed'> | 'catching-up' | 'connected';

export function useConnection(store: InboxStore): Connection {
  const connection = inboxConnection(store);
  return useSyncExternalStore(connection.subscribe, connection.getSnapshot, connection.getSnapshot);
}

export interface ExternalStore<T> {
  subscribe(listener: () => void): () => void;
  getSnapshot(): T;
}

/** What InboxStore offers that the connection state is derived from. */
export type ConnectionSource = Pick<InboxStore, 'whenIdle'> & { service: Pick<InboxStore['service'], 'status' | 'onStatus'> };

const connections = new WeakMap<ConnectionSource, ExternalStore<Connection>>();

/** The connection state as an external store of its own (one per InboxStore), for any UI framework. */
export function inboxConnection(store: ConnectionSource): ExternalStore<Connection> {
  let connection = connections.get(store);
  if (!connection) connections.set(store, (connection = watchConnection(store)));
  return connection;
}

function watchConnection(store: ConnectionSource): ExternalStore<Connection> {
  const listeners = new Set<() => void>();
  let current: Connection = store.service.status === 'subscribed' ? 'catching-up' : store.service.status;
  let stopWatching: (() => void) | null = null;
  let round = 0;
  const set = (next: Connection) => {
    if (next === current) return;
    current = next;
    for (const listener of listeners) listener();
  };
  const follow = (status: ChannelStatus) => {
    const mine = ++round;
    if (status !== 'subscribed') return set(status);
    set('catching-up');
    // The store starts its catch-up from its own status listener, which may run after this one.
    queueMicrotask(() => void store.whenIdle().then(() => mine === round && set('connected')));
  };
  return {
    subscribe(listener) {
      listeners.add(listener);
      stopWatching ??= store.service.onStatus(follow);
      return () => {
        listeners.delete(listener);
        if (listeners.size > 0) return;
        stopWatching?.();
        stopWatching = null;
      };
    },
    getSnapshot: () => current,
  };
}
