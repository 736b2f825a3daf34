// The client library in headless Chromium (browsers have a native WebSocket and enforce CORS):
// user B signs in inside a page, user A messages B from Node, B's page shows it with unread 1.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { asUser, callFunction, PASSWORD, signUp, startLocalTarget } from '../support/stack.ts';

let target: Awaited<ReturnType<typeof startLocalTarget>>;
let browser: Browser;
let pageServer: Server;
let pageUrl: string;

beforeAll(async () => {
  target = await startLocalTarget();
  const bundle = await build({
    entryPoints: [join(import.meta.dirname, 'browser', 'page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
  });
  const script = bundle.outputFiles[0].text;
  pageServer = createServer((req, res) => {
    if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/page.js"></script>');
  });
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-gpu'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => pageServer?.close(resolve));
  await target?.stop();
});

it('a browser page keeps an inbox live across origins', async () => {
  const [a, b] = [await signUp(target, 'a'), await signUp(target, 'b')];
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(pageUrl);
  await page.waitForFunction(() => typeof window.startInbox === 'function');
  const id = await page.evaluate(
    ([url, key, email, password]) => window.startInbox(url, key, email, password),
    [target.url, target.publishableKey, b.email, PASSWORD] as const,
  );
  expect(id).toBe(b.id);

  const chat = (await callFunction(target, 'chat-create', { title: 'from node', participant_ids: [b.id] }, asUser(target, a))).body.conversation.id;
  await callFunction(target, 'chat-send', { chat_id: chat, text: 'hello browser' }, asUser(target, a));
  await page.waitForFunction((chatId) => window.inboxTexts(chatId).includes('hello browser'), chat, { timeout: 10_000 });
  expect(await page.evaluate((chatId) => window.inboxUnread(chatId), chat)).toBe(1);
  expect(errors).toEqual([]);
}, 60_000);
