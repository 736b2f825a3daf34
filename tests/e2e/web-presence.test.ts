// The reference web app's live hints in the open conversation, in Chromium, one context per user:
// who is typing and who has it open (its chat:<chat_id> room), and read receipts that follow the
// other member's reading without a reload. Each step waits for what a user would see.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildWebApp } from '../../src/web/build.ts';
import { startLocalTarget } from '../support/stack.ts';
import { conversationItem, createConversation, launchChromium, openConversation, send, signUpInApp, untilMessage, type WebUser } from './web/app.ts';

let target: Awaited<ReturnType<typeof startLocalTarget>>;
let browser: Browser;
let a: WebUser;
let b: WebUser;
const nameOf = (user: WebUser) => user.email.split('@')[0];

const online = (page: Page) => page.getByRole('list', { name: 'Online' }).getByRole('listitem');
const typing = (page: Page) => page.getByRole('status', { name: 'Typing' });
const readBy = (page: Page, user: WebUser) => page.getByText(`Read by ${nameOf(user)}`);

beforeAll(async () => {
  await buildWebApp({ ifStale: true });
  target = await startLocalTarget();
  browser = await launchChromium();
  [a, b] = await Promise.all([signUpInApp(browser, target.url, 'a'), signUpInApp(browser, target.url, 'b')]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await target?.stop();
});

it('each sees the other online while both have the conversation open, and B sees "A is typing"', async () => {
  await createConversation(a.page, 'Presence', { emails: [b.email] });
  await send(a.page, 'are you there?');
  await untilMessage(a.page, 'are you there?');
  await openConversation(b.page, 'Presence');

  await online(a.page).filter({ hasText: nameOf(b) }).waitFor();
  await online(b.page).filter({ hasText: nameOf(a) }).waitFor();
  expect(await online(a.page).allTextContents()).toEqual([nameOf(b)]); // others only, not oneself

  await a.page.getByLabel('Message', { exact: true }).fill('typing a rep');
  await typing(b.page).filter({ hasText: `${nameOf(a)} is typing` }).waitFor();
  expect(await typing(a.page).textContent()).toBe('');
  // Sending ends it at once on B's screen (no waiting for the typing hint to expire).
  await a.page.getByRole('button', { name: 'Send', exact: true }).click();
  await untilMessage(b.page, 'typing a rep');
  await typing(b.page).filter({ hasText: /^$/ }).waitFor();
}, 60_000);

it('A sees "Read by B" as soon as B opens the conversation, without a reload', async () => {
  await createConversation(b.page, 'B elsewhere');
  await online(a.page).filter({ hasText: nameOf(b) }).waitFor({ state: 'detached' });
  await send(a.page, 'read me later');
  await untilMessage(a.page, 'read me later');
  await conversationItem(b.page, 'Presence').getByLabel('1 unread').waitFor();
  expect(await readBy(a.page, b).count()).toBe(0);

  await openConversation(b.page, 'Presence');
  await readBy(a.page, b).waitFor({ timeout: 10_000 });
}, 60_000);

it('B sees A go offline when A closes the page', async () => {
  await online(b.page).filter({ hasText: nameOf(a) }).waitFor();
  await a.page.close();
  await online(b.page).filter({ hasText: nameOf(a) }).waitFor({ state: 'detached' });
  for (const user of [a, b]) expect(user.errors).toEqual([]);
}, 60_000);
