import { expect } from 'vitest';

/** A browser's CORS preflight for a POST that sends these headers, and the gateway's expected answer. */
export async function expectPreflightAllowed(url: string, requestHeaders: string): Promise<void> {
  const res = await fetch(url, {
    method: 'OPTIONS',
    headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': requestHeaders },
  });
  expect(res.status).toBe(204);
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  expect(res.headers.get('access-control-allow-headers')).toBe(requestHeaders);
}
