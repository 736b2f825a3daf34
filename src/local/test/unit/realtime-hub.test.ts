import { describe, expect, it } from 'vitest';
import { Hub, type Subscriber } from '../../realtime/hub.ts';
import type { Vsn } from '../../realtime/protocol.ts';

const subscriber = (vsn: Vsn = '2.0.0') => {
  const frames: (string | Buffer)[] = [];
  const s: Subscriber & { frames: typeof frames } = { vsn, frames, deliver: (f) => frames.push(f) };
  return s;
};

describe('Hub', () => {
  it('keeps public and private audiences of one topic apart and counts channels', () => {
    const logs: unknown[] = [];
    const hub = new Hub((e) => logs.push(e));
    const pub = subscriber();
    const priv = subscriber();
    hub.subscribe({ topic: 't', private: false }, pub);
    hub.subscribe({ topic: 't', private: true }, priv);
    hub.subscribe({ topic: 't', private: true }, priv);
    expect(hub.size).toBe(2);

    expect(hub.publish({ topic: 't', private: true }, { kind: 'json', payload: { type: 'broadcast', event: 'e', payload: {} } })).toBe(1);
    expect(priv.frames).toHaveLength(1);
    expect(pub.frames).toHaveLength(0);
    expect(hub.publish({ topic: 'other', private: true }, { kind: 'json', payload: {} })).toBe(0);

    hub.unsubscribe({ topic: 't', private: true }, priv);
    hub.unsubscribe({ topic: 't', private: true }, priv);
    expect(hub.size).toBe(1);
    expect(logs).toEqual([]);
  });

  it('withholds broadcasts from a channel admitted on presence read alone', () => {
    const hub = new Hub(() => {});
    const ns = { topic: 'room', private: true };
    const reader = subscriber();
    const presenceOnly = { ...subscriber(), readsBroadcast: false };
    hub.subscribe(ns, reader);
    hub.subscribe(ns, presenceOnly);
    expect(hub.publish(ns, { kind: 'json', payload: { type: 'broadcast', event: 'e', payload: {} } })).toBe(1);
    expect([reader.frames.length, presenceOnly.frames.length]).toEqual([1, 0]);
    expect([...hub.subscribers(ns)]).toEqual([reader, presenceOnly]);
  });

  it('skips the sender, encodes once per serializer, and leaves out vsn 1 for raw binary', () => {
    const logs: { event: string }[] = [];
    const hub = new Hub((e) => logs.push(e));
    const ns = { topic: 'room', private: false };
    const [sender, a, b, old] = [subscriber(), subscriber(), subscriber(), subscriber('1.0.0')];
    for (const s of [sender, a, b, old]) hub.subscribe(ns, s);

    expect(hub.publish(ns, { kind: 'user', event: 'e', encoding: 'json', data: Buffer.from('{"x":1}'), json: { x: 1 } }, sender)).toBe(3);
    expect(sender.frames).toEqual([]);
    expect(a.frames[0]).toBe(b.frames[0]); // the same encoded frame object, not re-encoded
    expect(Buffer.isBuffer(a.frames[0])).toBe(true);
    expect(JSON.parse(old.frames[0] as string).payload).toEqual({ type: 'broadcast', event: 'e', payload: { x: 1 } });

    expect(hub.publish(ns, { kind: 'user', event: 'e', encoding: 'binary', data: Buffer.from([1]) })).toBe(3);
    expect(old.frames).toHaveLength(1);
    expect(logs).toEqual([expect.objectContaining({ event: 'realtime_broadcast_unrepresentable', vsn: '1.0.0' })]);
  });
});
