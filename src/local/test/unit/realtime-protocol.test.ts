// Serializers for vsn 1.0.0 / 2.0.0 and the binary kinds, checked against the byte layouts in
// docs/realtime-protocol.md and against the installed realtime-js serializer.
import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  encodeBroadcast,
  encodeMessage,
  encodeUserBroadcast,
  ProtocolError,
  type Message,
} from '../../realtime/protocol.ts';
import { clientDecode, clientEncode } from '../support/realtime-frames.ts';

const hex = (...parts: (number[] | string)[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

describe('vsn 2.0.0 binary frames', () => {
  // docs/realtime-protocol.md, WebSocket: send event "e", payload {a:1}, persist {ttl:60}, join_ref "1", ref "2", topic "realtime:t".
  const kind3Sample = hex([0x03, 0x01, 0x01, 0x0a, 0x01, 0x16, 0x01], '1', '2', 'realtime:t', 'e', '{"persist":{"ttl":60}}', '{"a":1}');

  it('decodes the documented kind 3 sample, which is what realtime-js produces', () => {
    const fromClient = clientEncode({
      join_ref: '1',
      ref: '2',
      topic: 'realtime:t',
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'e', payload: { a: 1 }, persist: { ttl: 60 } },
    });
    expect(fromClient).toEqual(kind3Sample);
    const inbound = decodeFrame('2.0.0', kind3Sample, true);
    expect(inbound).toEqual({
      kind: 'user_broadcast_push',
      push: {
        joinRef: '1',
        ref: '2',
        topic: 'realtime:t',
        event: 'e',
        metadata: { persist: { ttl: 60 } },
        encoding: 'json',
        data: Buffer.from('{"a":1}'),
        json: { a: 1 },
      },
    });
  });

  it('decodes raw-binary kind 3 payloads and UTF-8 header fields by byte length', () => {
    const payload = new Uint8Array([0, 255, 7]).buffer;
    const frame = clientEncode({ join_ref: 'ü', ref: '9', topic: 'realtime:søren', event: 'broadcast', payload: { type: 'broadcast', event: 'ça', payload } });
    const inbound = decodeFrame('2.0.0', frame as Buffer, true);
    expect(inbound.kind).toBe('user_broadcast_push');
    if (inbound.kind !== 'user_broadcast_push') return;
    expect(inbound.push).toMatchObject({ joinRef: 'ü', ref: '9', topic: 'realtime:søren', event: 'ça', encoding: 'binary', metadata: null });
    expect([...inbound.push.data]).toEqual([0, 255, 7]);
    expect(inbound.push.json).toBeUndefined();
  });

  it('encodes kind 4 exactly as the captured sample, and realtime-js decodes it', () => {
    // docs/realtime-protocol.md, WebSocket: 04 18 05 0f 01 | realtime:user-realtime:X | INBOX | {"id":"uuid-2"} | {"id":2}
    const sample = hex([0x04, 0x18, 0x05, 0x0f, 0x01], 'realtime:user-realtime:X', 'INBOX', '{"id":"uuid-2"}', '{"id":2}');
    const encoded = encodeUserBroadcast({
      topic: 'realtime:user-realtime:X',
      event: 'INBOX',
      metadata: { id: 'uuid-2' },
      encoding: 'json',
      data: Buffer.from('{"id":2}'),
    });
    expect(encoded).toEqual(sample);
    expect(clientDecode(encoded)).toEqual({
      join_ref: null,
      ref: null,
      topic: 'realtime:user-realtime:X',
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'INBOX', payload: { id: 2 }, meta: { id: 'uuid-2' } },
    });
  });

  it('round-trips a client kind 3 push into the kind 4 the server sends', () => {
    const push = clientEncode({ join_ref: '3', ref: '4', topic: 'realtime:room', event: 'broadcast', payload: { type: 'broadcast', event: 'Hi ✓', payload: { text: 'héllo' } } });
    const inbound = decodeFrame('2.0.0', push as Buffer, true);
    if (inbound.kind !== 'user_broadcast_push') throw new Error('expected kind 3');
    const { event, encoding, data, json } = inbound.push;
    const out = encodeBroadcast('2.0.0', 'realtime:room', { kind: 'user', event, encoding, data, json }) as Buffer;
    expect(out[0]).toBe(4);
    expect(out[3]).toBe(0); // no metadata: Realtime does not forward it
    expect(clientDecode(out).payload).toEqual({ type: 'broadcast', event: 'Hi ✓', payload: { text: 'héllo' } });
    // …and into a text object for vsn 1 sockets.
    expect(JSON.parse(encodeBroadcast('1.0.0', 'realtime:room', { kind: 'user', event, encoding, data, json }) as string)).toEqual({
      join_ref: null,
      ref: null,
      topic: 'realtime:room',
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'Hi ✓', payload: { text: 'héllo' } },
    });
  });

  it('cannot carry raw binary to vsn 1 sockets, and refuses kind 4 header fields over 255 bytes', () => {
    expect(encodeBroadcast('1.0.0', 'realtime:t', { kind: 'user', event: 'e', encoding: 'binary', data: Buffer.from([1]) })).toBeNull();
    const binary = encodeBroadcast('2.0.0', 'realtime:t', { kind: 'user', event: 'e', encoding: 'binary', data: Buffer.from([1, 2]) }) as Buffer;
    expect([...binary]).toEqual([4, 10, 1, 0, 0, ...Buffer.from('realtime:t'), ...Buffer.from('e'), 1, 2]);
    expect(() => encodeUserBroadcast({ topic: 'realtime:' + 'é'.repeat(124), event: 'e', encoding: 'json', data: Buffer.from('{}') })).toThrow(ProtocolError);
  });
});

describe('text frames', () => {
  const message: Message = { joinRef: '1', ref: '2', topic: 'realtime:room', event: 'phx_join', payload: { config: { private: true } } };

  it('round-trips vsn 2 arrays and vsn 1 objects', () => {
    const v2 = encodeMessage('2.0.0', message);
    expect(JSON.parse(v2)).toEqual(['1', '2', 'realtime:room', 'phx_join', { config: { private: true } }]);
    expect(decodeFrame('2.0.0', Buffer.from(v2), false)).toEqual({ kind: 'message', message });
    const v1 = encodeMessage('1.0.0', message);
    expect(JSON.parse(v1)).toEqual({ join_ref: '1', ref: '2', topic: 'realtime:room', event: 'phx_join', payload: { config: { private: true } } });
    expect(decodeFrame('1.0.0', Buffer.from(v1), false)).toEqual({ kind: 'message', message });
  });

  it('decodes what realtime-js sends as text, and what it decodes matches what we encode', () => {
    const heartbeat = clientEncode({ join_ref: null, ref: '5', topic: 'phoenix', event: 'heartbeat', payload: {} }) as string;
    expect(decodeFrame('2.0.0', Buffer.from(heartbeat), false)).toEqual({
      kind: 'message',
      message: { joinRef: null, ref: '5', topic: 'phoenix', event: 'heartbeat', payload: {} },
    });
    const reply = encodeMessage('2.0.0', { joinRef: null, ref: '5', topic: 'phoenix', event: 'phx_reply', payload: { status: 'ok', response: {} } });
    expect(clientDecode(reply)).toEqual({ join_ref: null, ref: '5', topic: 'phoenix', event: 'phx_reply', payload: { status: 'ok', response: {} } });
  });

  it('accepts trailing array elements and numeric refs like Phoenix, and a vsn 1 heartbeat without join_ref', () => {
    expect(decodeFrame('2.0.0', Buffer.from('[1, 2, "t", "e", {}, "extra"]'), false)).toEqual({
      kind: 'message',
      message: { joinRef: '1', ref: '2', topic: 't', event: 'e', payload: {} },
    });
    expect(decodeFrame('1.0.0', Buffer.from('{"topic":"phoenix","event":"heartbeat","payload":{},"ref":"3"}'), false)).toEqual({
      kind: 'message',
      message: { joinRef: null, ref: '3', topic: 'phoenix', event: 'heartbeat', payload: {} },
    });
  });

  it('encodes text broadcasts as the frames realtime-js expects', () => {
    const payload = { type: 'broadcast', event: 'x', payload: { a: 1 }, meta: { id: 'i' } };
    expect(JSON.parse(encodeBroadcast('2.0.0', 'realtime:t', { kind: 'json', payload }) as string)).toEqual([null, null, 'realtime:t', 'broadcast', payload]);
    expect(JSON.parse(encodeBroadcast('1.0.0', 'realtime:t', { kind: 'json', payload }) as string)).toEqual({
      join_ref: null,
      ref: null,
      topic: 'realtime:t',
      event: 'broadcast',
      payload,
    });
  });
});

describe('malformed input', () => {
  const cases: [string, '1.0.0' | '2.0.0', Buffer, boolean][] = [
    ['non-JSON text', '2.0.0', Buffer.from('{nope'), false],
    ['an object on vsn 2', '2.0.0', Buffer.from('{"topic":"t","event":"e"}'), false],
    ['a short array', '2.0.0', Buffer.from('[null,"1","t","e"]'), false],
    ['a non-string topic', '2.0.0', Buffer.from('[null,"1",5,"e",{}]'), false],
    ['an object ref', '2.0.0', Buffer.from('[null,{},"t","e",{}]'), false],
    ['an array on vsn 1', '1.0.0', Buffer.from('[null,"1","t","e",{}]'), false],
    ['a JSON scalar on vsn 1', '1.0.0', Buffer.from('42'), false],
    ['binary on vsn 1', '1.0.0', Buffer.from([3, 0, 0, 0, 0, 0, 1]), true],
    ['a kind 4 frame from a client', '2.0.0', Buffer.from([4, 1, 1, 0, 1, 116, 101]), true],
    ['kind 0', '2.0.0', Buffer.from([0, 1, 1, 1, 1, 1, 1, 1]), true],
    ['a frame shorter than the kind 3 header', '2.0.0', Buffer.from([3, 0, 0]), true],
    ['header lengths past the end', '2.0.0', Buffer.from([3, 10, 10, 10, 10, 10, 1, 65]), true],
    ['a JSON-encoded payload that is not JSON', '2.0.0', hex([3, 0, 0, 1, 1, 0, 1], 't', 'e', '{x'), true],
    ['metadata that is not a JSON object', '2.0.0', hex([3, 0, 0, 1, 1, 2, 1], 't', 'e', '[]', '{}'), true],
    ['an empty binary frame', '2.0.0', Buffer.alloc(0), true],
  ];
  it.each(cases)('rejects %s with a ProtocolError', (_what, vsn, data, binary) => {
    expect(() => decodeFrame(vsn, data, binary)).toThrow(ProtocolError);
  });
});
