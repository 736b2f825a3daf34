// A REST batch's payloads are serialised once (#16: the size check and the frame each did it), and
// the frames built from that text are the ones encoding the objects would give.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Hub, type Subscriber } from '../../realtime/hub.ts';
import { encodeBroadcast, type Vsn } from '../../realtime/protocol.ts';
import { FREE_PLAN_LIMITS, TenantQuotas } from '../../realtime/quotas.ts';
import { createRestApi } from '../../realtime/rest-api.ts';
import { ManualTicker } from '../support/quota-clock.ts';

const subscriber = (vsn: Vsn) => {
  const frames: (string | Buffer)[] = [];
  const s: Subscriber & { frames: typeof frames } = { vsn, frames, deliver: (f) => frames.push(f) };
  return s;
};

function api() {
  const hub = new Hub(() => {});
  const rest = createRestApi({
    hub,
    policy: { canRead: async () => true, canWrite: async () => true } as never,
    resolveToken: async () => ({ role: 'service_role' }),
    log: () => {},
    maxPayloadBytes: 256 * 1024,
    quotas: new TenantQuotas(FREE_PLAN_LIMITS, new ManualTicker()),
  });
  return { hub, rest };
}

const post = (body: unknown) =>
  new Request('http://x/realtime/v1/api/broadcast', { method: 'POST', headers: { apikey: 'k', 'content-type': 'application/json' }, body: JSON.stringify(body) });

afterEach(() => vi.restoreAllMocks());

describe('REST batch encoding', () => {
  const messages = [
    { topic: 'inbox:a', event: 'message-insert', private: true, payload: { text: 'h\u00e9llo "q" \u2028', n: [1, { x: null }] } },
    { topic: 'inbox:b', event: 'conversation-update', private: false, id: 'id-1', payload: { nested: { deep: true } } },
  ];

  it('delivers the frames encoding the objects gives, on both serializers', async () => {
    const { hub, rest } = api();
    const subs = messages.flatMap((m) =>
      (['1.0.0', '2.0.0'] as const).map((vsn) => {
        const s = subscriber(vsn);
        hub.subscribe({ topic: m.topic, private: m.private }, s);
        return { m, vsn, s };
      })
    );
    expect((await rest(post({ messages }))).status).toBe(202);
    for (const { m, vsn, s } of subs) {
      const payload = { type: 'broadcast', event: m.event, payload: m.payload, ...(m.id ? { meta: { id: m.id } } : {}) };
      expect(s.frames).toEqual([encodeBroadcast(vsn, `realtime:${m.topic}`, { kind: 'json', payload })]);
    }
  });

  it('serialises each payload object once, however many subscribers and serializers', async () => {
    const { hub, rest } = api();
    for (const m of messages) for (const vsn of ['1.0.0', '2.0.0'] as const) hub.subscribe({ topic: m.topic, private: m.private }, subscriber(vsn));
    const request = post({ messages });
    const stringify = vi.spyOn(JSON, 'stringify');
    expect((await rest(request)).status).toBe(202);
    const objects = stringify.mock.calls.filter(([value]) => typeof value === 'object' && value !== null && !('id' in value));
    expect(objects).toHaveLength(messages.length);
  });
});
