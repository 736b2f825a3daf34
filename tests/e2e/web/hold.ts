// Holding a function's requests in the browser, to see what the app shows while it waits and when refused.
// Apart from app.ts, which scripts outside vitest (the README's screenshot) use too.
import type { Page, Route } from 'playwright-core';
import { expect } from 'vitest';

/** Holds requests to a function until `refuse` answers them with an error (status, code, message). */
export function holdFunction(page: Page, name: string) {
  const held: Route[] = [];
  const pattern = `**/functions/v1/${name}`;
  const ready = page.route(pattern, (route) => void held.push(route));
  return {
    ready,
    whenHeld: () => expect.poll(() => held.length).toBeGreaterThan(0),
    async refuse(status: number, code: string, text: string) {
      const body = JSON.stringify({ error: { code, message: text } });
      await Promise.all(held.map((route) => route.fulfill({ status, contentType: 'application/json', body })));
      await page.unroute(pattern);
    },
  };
}
