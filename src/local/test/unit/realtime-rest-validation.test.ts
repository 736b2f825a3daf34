import { describe, expect, it } from 'vitest';
import { validateBatch } from '../../realtime/rest-validation.ts';

describe('validateBatch', () => {
  it('accepts well-formed messages, coercing private and keeping string ids', () => {
    expect(
      validateBatch({ messages: [{ topic: 't', event: 'e', payload: {}, private: 'true', id: 'abc' }, { topic: 't', event: 'e', payload: { a: 1 }, private: null }] }, 100),
    ).toEqual({
      ok: true,
      messages: [
        { topic: 't', event: 'e', payload: {}, payloadJson: '{}', private: true, id: 'abc' },
        { topic: 't', event: 'e', payload: { a: 1 }, payloadJson: '{"a":1}', private: false },
      ],
    });
  });

  it('reports oversized payloads as 422, as hosted does, alone or with other errors', () => {
    const big = { blob: 'x'.repeat(200) };
    expect(validateBatch({ messages: [{ topic: 't', event: 'e', payload: big }] }, 100)).toEqual({
      ok: false,
      status: 422,
      errors: { messages: [{ payload: ['Payload size exceeds tenant limit'] }] },
    });
    expect(validateBatch({ messages: [{ topic: 't', event: 'e', payload: big }, { topic: 't', payload: {} }] }, 100)).toEqual({
      ok: false,
      status: 422,
      errors: { messages: [{ payload: ['Payload size exceeds tenant limit'] }, { event: ["can't be blank"] }] },
    });
  });

  it('treats non-object bodies and non-string ids as invalid', () => {
    expect(validateBatch([1], 100)).toMatchObject({ ok: false, status: 422, errors: { messages: ["can't be blank"] } });
    expect(validateBatch({ messages: [{ topic: 't', event: 'e', payload: {}, id: 5 }] }, 100)).toMatchObject({
      ok: false,
      status: 422,
      errors: { messages: [{ id: ['is invalid'] }] },
    });
  });
});
