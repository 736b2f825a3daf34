import { describe, expect, it } from 'vitest';
import { ClientPresenceLimit, PresenceRegistry } from '../../realtime/presence.ts';

const room = { topic: 'room', private: true };

describe('PresenceRegistry', () => {
  it('groups metas by key, one per tracker, and keeps private and public apart', () => {
    const registry = new PresenceRegistry();
    const [tab1, tab2, other] = [{}, {}, {}];
    const join = registry.track(room, tab1, 'alice', { n: 1 });
    expect(join).toEqual({ joins: { alice: { metas: [{ n: 1, phx_ref: expect.any(String) }] } }, leaves: {} });
    registry.track(room, tab2, 'alice', { n: 2 });
    registry.track({ topic: 'room', private: false }, other, 'bob', {});
    expect(registry.state(room)).toEqual({ alice: { metas: [expect.objectContaining({ n: 1 }), expect.objectContaining({ n: 2 })] } });
    expect(registry.state({ topic: 'room', private: false })).toEqual({ bob: { metas: [expect.objectContaining({})] } });
  });

  it('an update leaves the old meta and joins the new one with phx_ref_prev', () => {
    const registry = new PresenceRegistry();
    const tab = {};
    const first = registry.track(room, tab, 'alice', { n: 1 }).joins.alice.metas[0];
    const update = registry.track(room, tab, 'alice', { n: 2 });
    expect(update.leaves).toEqual({ alice: { metas: [first] } });
    expect(update.joins.alice.metas[0]).toMatchObject({ n: 2, phx_ref_prev: first.phx_ref });
    expect(registry.state(room).alice.metas).toHaveLength(1);
  });

  it('untrack announces a leave once, and nothing for an untracked tracker', () => {
    const registry = new PresenceRegistry();
    const tab = {};
    registry.track(room, tab, 'alice', {});
    expect(registry.untrack(room, tab)?.leaves).toHaveProperty('alice');
    expect(registry.untrack(room, tab)).toBeNull();
    expect(registry.state(room)).toEqual({});
  });
});

describe('ClientPresenceLimit', () => {
  it('allows max calls in a fixed window the first call opens, then refuses until it has passed', () => {
    let now = 0;
    const limit = new ClientPresenceLimit(5, 30_000, () => now);
    expect(Array.from({ length: 6 }, () => limit.allow())).toEqual([true, true, true, true, true, false]);
    now = 30_000;
    expect(limit.allow()).toBe(false);
    now = 30_001;
    expect(limit.allow()).toBe(true);
  });
});
