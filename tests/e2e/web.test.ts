// The reference web app (src/web) as `npm start` serves it, in Chromium, one browser context per user
// (each its own device): seed 003's checklist end to end, plus reload, a real network drop and a
// refused send. Every step waits for what a user would see; nothing is read from the app's internals.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildWebApp } from '../../src/web/build.ts';
import { callFunction, newClient, PASSWORD, startLocalTarget, waitFor } from '../support/stack.ts';
import {
  connection,
  conversationItem,
  conversations,
  createConversation,
  fillCredentials,
  launchChromium,
  messageLog,
  openApp,
  openConversation,
  send,
  signUpInApp,
  uniqueEmail,
  untilConnected,
  untilMessage,
  type WebUser,
} from './web/app.ts';

let target: Awaited<ReturnType<typeof startLocalTarget>>;
let browser: Browser;
let a: WebUser;
let b: WebUser;

beforeAll(async () => {
  await buildWebApp({ ifStale: true });
  target = await startLocalTarget();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await target?.stop();
});

it('the page is served on the API origin, with /join/<id> falling back to the app', async () => {
  const root = await fetch(`${target.url}/`);
  expect(root.status).toBe(200);
  expect(await root.text()).toContain('<div id="root">');
  const join = await fetch(`${target.url}/join/00000000-0000-4000-a000-000000000001`);
  expect(await join.text()).toContain('<div id="root">');
  expect((await fetch(`${target.url}/..%2fpackage.json`)).status).toBe(404);
  expect((await fetch(`${target.url}/assets/missing.js`)).status).toBe(404);
  expect((await fetch(`${target.url}/storage/v1/bucket`)).status).toBe(404);
  const config = await (await fetch(`${target.url}/app-config.json`)).json();
  expect(config).toEqual({ publishableKey: target.publishableKey });
});

it('(1, 3) A sends, B sees it without refresh, at the top with an unread badge while another conversation is open', async () => {
  [a, b] = await Promise.all([signUpInApp(browser, target.url, 'a'), signUpInApp(browser, target.url, 'b')]);

  // (3) a single-user conversation works, and stays open on B's screen.
  await createConversation(b.page, 'B notes');
  await send(b.page, 'note to self');
  await untilMessage(b.page, 'note to self');

  await createConversation(a.page, 'Lunch', { emails: [b.email] });
  await send(a.page, 'hello B');
  await untilMessage(a.page, 'hello B');

  await conversationItem(b.page, 'Lunch').getByLabel('1 unread').waitFor();
  expect(await conversations(b.page).first().textContent()).toContain('Lunch');
  expect(await conversations(b.page).first().textContent()).toContain('hello B');
  await b.page.waitForFunction(() => document.title === '(1) Inbox');
  expect(await b.page.getByRole('heading', { name: 'B notes' }).isVisible()).toBe(true);

  // Viewing it marks it read.
  await openConversation(b.page, 'Lunch');
  await untilMessage(b.page, 'hello B');
  await conversationItem(b.page, 'Lunch').getByLabel('1 unread').waitFor({ state: 'detached' });
  await b.page.waitForFunction(() => document.title === 'Inbox');

  await send(b.page, 'hi A');
  await untilMessage(a.page, 'hi A');
  // A has it open: read when seen, so no badge stays.
  await conversationItem(a.page, 'Lunch').getByLabel(/unread/).waitFor({ state: 'detached' });
  await a.page.waitForFunction(() => document.title === 'Inbox');
}, 60_000);

let c: WebUser;

it('(2, 4) B joins by the invite link, A sees B at once; a third user signs in from the link; all three receive', async () => {
  await createConversation(a.page, 'Open room', { isPublic: true });
  const link = await a.page.getByLabel('Invite link').inputValue();
  expect(link).toMatch(new RegExp(`^${target.url}/join/[0-9a-f-]{36}$`));

  await b.page.goto(link);
  await b.page.getByRole('heading', { name: 'Open room' }).waitFor();
  await a.page.getByText('2 participants').waitFor();
  await a.page.getByText(/2 participants: .*b-/).waitFor();

  // Someone new: the link first, then sign-up, then the join (seed 003's flow).
  c = await openApp(browser, link, uniqueEmail('c'));
  await c.page.getByText('Sign in to join').waitFor();
  await fillCredentials(c.page, c.email);
  await c.page.getByRole('button', { name: 'Sign up', exact: true }).click();
  await c.page.getByRole('heading', { name: 'Open room' }).waitFor();
  expect(new URL(c.page.url()).pathname).toBe('/');
  await a.page.getByText('3 participants').waitFor();

  await send(a.page, 'welcome both');
  await Promise.all([untilMessage(b.page, 'welcome both'), untilMessage(c.page, 'welcome both')]);
  await send(c.page, 'thanks from C');
  await Promise.all([untilMessage(a.page, 'thanks from C'), untilMessage(b.page, 'thanks from C')]);

  // A link to a private conversation lets nobody in.
  await openConversation(a.page, 'Lunch');
  const lunch = new URL(a.page.url()).searchParams.get('c');
  await c.page.goto(`${target.url}/join/${lunch}`);
  await c.page.getByRole('alert').filter({ hasText: 'Could not join' }).waitFor();
  expect(await conversationItem(c.page, 'Lunch').count()).toBe(0);
}, 60_000);

it('a reload keeps the session, the inbox and the open conversation', async () => {
  await b.page.reload();
  await untilConnected(b.page);
  await b.page.getByRole('heading', { name: 'Open room' }).waitFor();
  await untilMessage(b.page, 'thanks from C');
  expect(await conversations(b.page).count()).toBe(3);
});

it('a real network drop and return: B shows it is reconnecting, then catches up on what it missed', async () => {
  await openConversation(b.page, 'Lunch');
  await b.context.setOffline(true);
  // Offline emulation holds WebSocket frames back but keeps the socket open: close it from the server.
  await target.stack.realtime.stop();
  target.stack.realtime.start();
  await connection(b.page).filter({ hasText: 'reconnecting' }).waitFor({ timeout: 45_000 });

  await untilConnected(a.page);
  await openConversation(a.page, 'Lunch');
  await send(a.page, 'sent while B was offline');
  await untilMessage(a.page, 'sent while B was offline');
  await openConversation(c.page, 'Open room');
  await send(c.page, 'also missed');
  await untilMessage(c.page, 'also missed');

  await b.context.setOffline(false);
  await untilConnected(b.page, 45_000);
  await untilMessage(b.page, 'sent while B was offline');
  await conversationItem(b.page, 'Open room').getByLabel('1 unread').waitFor();
}, 120_000);

it('history pages back on demand', async () => {
  // Written from a server-side client as A: 60 messages in one batch.
  const client = newClient(target);
  const { data } = await client.auth.signInWithPassword({ email: a.email, password: PASSWORD });
  const found = await client.rpc('chat_find_users', { emails: [b.email] });
  const headers = { apikey: target.publishableKey, authorization: `Bearer ${data.session!.access_token}` };
  const created = await callFunction(target, 'chat-create', { title: 'Long history', participant_ids: [found.data[0].id] }, headers);
  const texts = Array.from({ length: 60 }, (_, i) => `#${String(i + 1).padStart(2, '0')}`);
  const sent = await callFunction(target, 'chat-send', { chat_id: created.body.conversation.id, messages: texts.map((text) => ({ text })) }, headers);
  expect(sent.status).toBe(200);
  // The fan-out is paced (122 Realtime messages at the Free plan's budget: about 3 s); a page reloaded
  // before it ends would receive the rest live, and hold more than the newest page.
  await waitFor(
    () => target.logs.some((l) => l.event === 'chat_send_broadcast_sent' && l.chat_id === created.body.conversation.id),
    'the batch’s broadcast to go out',
  );

  // B's open page received them all live; a fresh page holds none and reads the newest page only.
  await b.page.reload();
  await untilConnected(b.page);
  await openConversation(b.page, 'Long history');
  await untilMessage(b.page, '#60');
  await untilMessage(b.page, '#11');
  expect(await messageLog(b.page).getByText('#10', { exact: true }).count()).toBe(0);
  await b.page.getByRole('button', { name: 'Load older messages' }).click();
  await untilMessage(b.page, '#01');
  await b.page.getByRole('button', { name: 'Load older messages' }).waitFor({ state: 'detached' });
  expect(await messageLog(b.page).getByRole('listitem').count()).toBe(60);
});

it('a refused send shows as failed, and Retry sends it once', async () => {
  await Promise.all([openConversation(a.page, 'Lunch'), openConversation(b.page, 'Lunch')]);
  let refused = 0;
  await b.page.route('**/functions/v1/chat-send', (route) => {
    refused++;
    return route.fulfill({
      status: 503,
      contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'unavailable', message: 'chat-send is down' } }),
    });
  });
  await send(b.page, 'try me again');
  const item = messageLog(b.page).getByRole('listitem').filter({ hasText: 'try me again' });
  await item.filter({ hasText: 'sending…' }).waitFor();
  await item.filter({ hasText: 'failed' }).waitFor({ timeout: 30_000 });
  expect(refused).toBeGreaterThan(1); // 5xx is retried before it is shown as failed

  await b.page.unroute('**/functions/v1/chat-send');
  await item.getByRole('button', { name: 'Retry' }).click();
  await untilMessage(b.page, 'try me again');
  await untilMessage(a.page, 'try me again');
  expect(await messageLog(a.page).getByRole('listitem').filter({ hasText: 'try me again' }).count()).toBe(1);
}, 60_000);

it('the sign-in page lists the seeded demo accounts, and one click signs in to a live inbox', async () => {
  const demo = await openApp(browser, target.url, 'alice@demo.test');
  await demo.page.getByRole('region', { name: 'Demo accounts' }).waitFor();
  expect(await demo.page.getByRole('button', { name: /^Use / }).allTextContents()).toEqual(['Use Alice', 'Use Bob', 'Use Carol']);
  const started = Date.now();
  await demo.page.getByRole('button', { name: 'Use Alice' }).click();
  await untilConnected(demo.page);
  await conversationItem(demo.page, 'Weekend plans').waitFor();
  console.log(JSON.stringify({ event: 'web_sign_in_to_live_inbox', ms: Date.now() - started }));
  expect(demo.errors).toEqual([]);
  await demo.context.close();

  for (const user of [a, b, c]) expect(user.errors).toEqual([]);
}, 60_000);
