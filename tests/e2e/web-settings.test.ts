// The reference web app's per-user settings, in Chromium, one browser context per user and a second
// tab of B: pin, mute and archive per conversation, and the "Send read receipts" switch. Each follows
// the server's answer (the second tab its event), waits visibly ("saving…"), and shows a refusal's
// reason. Every step waits for what a user would see.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildWebApp } from '../../src/web/build.ts';
import { startLocalTarget } from '../support/stack.ts';
import {
  archivedConversations,
  conversationItem,
  conversations,
  createConversation,
  launchChromium,
  openApp,
  openConversation,
  send,
  settingControl,
  signUpInApp,
  title,
  untilConnected,
  untilMessage,
  type WebUser,
} from './web/app.ts';
import { holdFunction } from './web/hold.ts';

let target: Awaited<ReturnType<typeof startLocalTarget>>;
let browser: Browser;
let a: WebUser;
let b: WebUser;
let c: WebUser;
/** B's second tab: the same user, the same storage. */
let b2: WebUser;
const nameOf = (user: WebUser) => user.email.split('@')[0]!;

const first = (page: Page) => conversations(page).first();
const mark = (page: Page, conversation: string, text: 'pinned' | 'muted') =>
  conversationItem(page, conversation).getByText(text, { exact: true });
const badge = (page: Page, conversation: string, count: number) => conversationItem(page, conversation).getByLabel(`${count} unread`);
const receipts = (page: Page) => page.getByRole('switch', { name: 'Send read receipts' });
const readBy = (page: Page) => page.getByText(/^Read by /);

async function sendAs(user: WebUser, conversation: string, text: string) {
  await openConversation(user.page, conversation);
  await send(user.page, text);
  await untilMessage(user.page, text);
}

beforeAll(async () => {
  await buildWebApp({ ifStale: true });
  target = await startLocalTarget();
  browser = await launchChromium();
  [a, b, c] = await Promise.all(['a', 'b', 'c'].map((name) => signUpInApp(browser, target.url, name)));
  b2 = await openApp(browser, target.url, b.email, b.context);
  await untilConnected(b2.page);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await target?.stop();
});

it('B pins a conversation: first with a pin mark, in B\'s second tab too, above newer activity; unpinned, it goes back', async () => {
  await createConversation(a.page, 'Older', { emails: [b.email] });
  await sendAs(a, 'Older', 'first');
  await createConversation(a.page, 'Newer', { emails: [b.email] });
  await sendAs(a, 'Newer', 'second');
  for (const page of [b.page, b2.page]) {
    await badge(page, 'Newer', 1).waitFor();
    expect(await first(page).textContent()).toContain('Newer');
  }

  await settingControl(b.page, 'Older', 'Pin').click();
  for (const page of [b.page, b2.page]) {
    await first(page).filter({ hasText: 'Older' }).waitFor();
    await mark(page, 'Older', 'pinned').waitFor();
  }
  expect(await mark(b.page, 'Newer', 'pinned').count()).toBe(0);
  // A newer message elsewhere does not pass a pinned conversation.
  await sendAs(a, 'Newer', 'third');
  await badge(b.page, 'Newer', 2).waitFor();
  expect(await first(b.page).textContent()).toContain('Older');

  await settingControl(b2.page, 'Older', 'Unpin').click();
  for (const page of [b.page, b2.page]) {
    await first(page).filter({ hasText: 'Newer' }).waitFor();
    await mark(page, 'Older', 'pinned').waitFor({ state: 'detached' });
  }
  await settingControl(b.page, 'Older', 'Pin').waitFor();
}, 60_000);

it('a muted conversation keeps its badge but leaves the title\'s total, in both tabs; unmuted, it counts again', async () => {
  for (const page of [b.page, b2.page]) await title(page, '(3) Inbox'); // Older 1, Newer 2

  await settingControl(b.page, 'Newer', 'Mute').click();
  for (const page of [b.page, b2.page]) {
    await title(page, '(1) Inbox');
    await mark(page, 'Newer', 'muted').waitFor();
    await badge(page, 'Newer', 2).waitFor();
  }
  await sendAs(a, 'Newer', 'still muted');
  await badge(b.page, 'Newer', 3).waitFor();
  expect(await b.page.title()).toBe('(1) Inbox');

  await settingControl(b2.page, 'Newer', 'Unmute').click();
  for (const page of [b.page, b2.page]) {
    await title(page, '(4) Inbox');
    await mark(page, 'Newer', 'muted').waitFor({ state: 'detached' });
  }
}, 60_000);

it('an archived conversation moves under "Archived (1)", out of the total; A\'s next message brings it back', async () => {
  await settingControl(b.page, 'Older', 'Archive').click();
  for (const page of [b.page, b2.page]) {
    await conversationItem(page, 'Older').waitFor({ state: 'detached' });
    await title(page, '(3) Inbox');
  }
  const toggle = b.page.getByRole('button', { name: 'Archived (1)' });
  expect(await toggle.getAttribute('aria-expanded')).toBe('false');
  await toggle.click();
  expect(await archivedConversations(b.page).allTextContents()).toEqual([expect.stringContaining('Older')]);
  await archivedConversations(b.page).filter({ hasText: 'Older' }).getByLabel('1 unread').waitFor();

  await sendAs(a, 'Older', 'back again');
  for (const page of [b.page, b2.page]) {
    await first(page).filter({ hasText: 'Older' }).getByLabel('2 unread').waitFor();
    await page.getByRole('button', { name: /^Archived/ }).waitFor({ state: 'detached' });
    await title(page, '(5) Inbox');
  }
  expect(await archivedConversations(b.page).count()).toBe(0);
}, 60_000);

it('a setting waits for the answer ("saving…"), and a refusal shows its reason and changes nothing', async () => {
  const settings = holdFunction(b.page, 'chat-settings');
  await settings.ready;
  await settingControl(b.page, 'Older', 'Mute').click();
  await conversationItem(b.page, 'Older').getByText('saving…').waitFor();
  expect(await settingControl(b.page, 'Older', 'Archive').isDisabled()).toBe(true);
  await settings.whenHeld();
  await settings.refuse(503, 'unavailable', 'chat-settings is down');
  await conversationItem(b.page, 'Older').getByRole('alert').filter({ hasText: 'Could not mute: chat-settings is down' }).waitFor();
  expect(await mark(b.page, 'Older', 'muted').count()).toBe(0);
  expect(await settingControl(b.page, 'Older', 'Mute').isEnabled()).toBe(true);
  expect(await b.page.title()).toBe('(5) Inbox');

  const switchHeld = holdFunction(b.page, 'chat-settings');
  await switchHeld.ready;
  await receipts(b.page).click();
  await b.page.getByText('saving…').waitFor();
  expect(await receipts(b.page).isDisabled()).toBe(true);
  await switchHeld.whenHeld();
  await switchHeld.refuse(503, 'unavailable', 'chat-settings is down');
  await b.page.getByRole('alert').filter({ hasText: 'Could not change read receipts: chat-settings is down' }).waitFor();
  expect(await receipts(b.page).isChecked()).toBe(true);
  expect(await receipts(b2.page).isChecked()).toBe(true);
}, 60_000);

it('B turns read receipts off: A sees "Read by" C but never B; back on, B\'s next read shows', async () => {
  await receipts(b.page).click();
  for (const page of [b.page, b2.page]) await expect.poll(() => receipts(page).isChecked()).toBe(false);

  await createConversation(a.page, 'Receipts', { emails: [b.email, c.email] });
  await send(a.page, 'who reads this?');
  await untilMessage(a.page, 'who reads this?');
  await badge(b2.page, 'Receipts', 1).waitFor();
  await openConversation(b.page, 'Receipts');
  // Read on the server: B's other tab clears its badge from chat-read's event.
  await badge(b2.page, 'Receipts', 1).waitFor({ state: 'detached' });

  // C reads after B: A's page re-reads the marks on C's announcement, and B's is hidden from it.
  await openConversation(c.page, 'Receipts');
  await readBy(a.page).filter({ hasText: nameOf(c) }).waitFor({ timeout: 10_000 });
  expect(await readBy(a.page).textContent()).toBe(`Read by ${nameOf(c)}`);

  await receipts(b2.page).click();
  for (const page of [b.page, b2.page]) await expect.poll(() => receipts(page).isChecked()).toBe(true);
  await send(a.page, 'and now?');
  await untilMessage(b.page, 'and now?');
  await readBy(a.page).filter({ hasText: nameOf(b) }).waitFor({ timeout: 10_000 });
  for (const user of [a, b, c, b2]) expect(user.errors).toEqual([]);
}, 60_000);
