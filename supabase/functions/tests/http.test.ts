// Request bodies: JSON only (issue 12, item 7), bounded, parsed once.
import { describe, expect, it } from 'vitest';
import { HttpError, readJson } from '../_shared/http.ts';

const post = (body: string, contentType?: string) =>
  new Request('http://fn.test/', { method: 'POST', body, headers: contentType === undefined ? {} : { 'content-type': contentType } });

async function refusal(promise: Promise<unknown>): Promise<HttpError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('readJson', () => {
  it.each(['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json;charset=UTF-8'])(
    'reads a body sent as %s',
    async (contentType) => {
      expect(await readJson(post('{"a":1}', contentType), 100)).toEqual({ a: 1 });
    },
  );

  it.each([
    ['text/plain', 'text/plain;charset=UTF-8'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
    ['a lookalike', 'application/jsonp'],
    ['an empty type', ''],
  ])('refuses %s with 415 even when the body is JSON', async (_name, contentType) => {
    expect(await refusal(readJson(post('{"a":1}', contentType), 100))).toMatchObject({ status: 415, code: 'unsupported_media_type' });
  });

  it('refuses a body without Content-Type with 415', async () => {
    const request = new Request('http://fn.test/', { method: 'POST', body: new Uint8Array([123, 125]) });
    expect(request.headers.get('content-type')).toBeNull();
    expect(await refusal(readJson(request, 100))).toMatchObject({ status: 415 });
  });

  it('reads a body that declares its length at once, and still refuses one longer than the limit', async () => {
    const declaring = (body: string, length: number) =>
      new Request('http://fn.test/', { method: 'POST', body, headers: { 'content-type': 'application/json', 'content-length': String(length) } });
    expect(await readJson(declaring('{"a":1}', 7), 100)).toEqual({ a: 1 });
    expect(await refusal(readJson(declaring('x'.repeat(101), 101), 100))).toMatchObject({ status: 413 });
    // A server frames the body by its declared length; should one ever hand on more, the limit holds.
    expect(await refusal(readJson(declaring('x'.repeat(101), 10), 100))).toMatchObject({ status: 413 });
  });

  it('still refuses an oversized or broken body after the type', async () => {
    expect(await refusal(readJson(post('x'.repeat(101), 'application/json'), 100))).toMatchObject({ status: 413 });
    expect(await refusal(readJson(post('{"a":', 'application/json'), 100))).toMatchObject({ status: 400, code: 'invalid_json' });
  });
});
