// The reference web app's edit, delete, leave, remove and mark-all-read, in Chromium, one browser
// context per user (and a second tab of one): each change shows live on the other screens, controls
// show only to whom the server allows them, and a refused request shows its reason and undoes what
// the screen showed ahead of the answer. Every step waits for what a user would see.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildWebApp } from '../../src/web/build.ts';
import { startLocalTarget } from '../support/stack.ts';
import {
  conversationItem,
  conversations,
  createConversation,
  editMessage,
  launchChromium,
  messageLog,
  openApp,
  openConversation,
  send,
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
const nameOf = (user: WebUser) => user.email.split('@')[0]!;

const message = (page: Page, text: string) => messageLog(page).getByRole('listitem').filter({ hasText: text });
const control = (page: Page, text: string, name: 'Edit' | 'Delete') => message(page, text).getByRole('button', { name, exact: true });
/** Accepts the confirm() the next click asks. */
const confirmNext = (page: Page) => page.once('dialog', (dialog) => void dialog.accept());
const badge = (page: Page, conversation: string) => conversationItem(page, conversation).getByLabel(/unread/);

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

it('A edits and deletes her message and B sees "edited" and "Message deleted" live; B gets no control on it', async () => {
  await createConversation(a.page, 'Changes', { emails: [b.email] });
  await send(a.page, 'first draft');
  await untilMessage(a.page, 'first draft');
  await openConversation(b.page, 'Changes');
  await send(b.page, 'from B');
  await untilMessage(a.page, 'from B');
  await send(a.page, 'to be deleted');
  await untilMessage(b.page, 'to be deleted');

  // Edit: the author only. Delete: the author, or A as the owner. B is neither for A's messages (asked
  // once B's page knows the roles: the names show with them).
  await b.page.getByText(/^2 participants: /).waitFor();
  for (const text of ['first draft', 'to be deleted']) {
    expect(await control(b.page, text, 'Edit').count()).toBe(0);
    expect(await control(b.page, text, 'Delete').count()).toBe(0);
  }
  await control(b.page, 'from B', 'Edit').waitFor();
  expect(await control(a.page, 'from B', 'Edit').count()).toBe(0);
  await control(a.page, 'from B', 'Delete').waitFor();

  await editMessage(a.page, 'first draft', 'first, edited');
  await message(b.page, 'first, edited').getByText('edited', { exact: true }).waitFor();
  await message(a.page, 'first, edited').getByText('edited', { exact: true }).waitFor();
  expect(await message(b.page, 'first draft').count()).toBe(0);

  confirmNext(a.page);
  await control(a.page, 'to be deleted', 'Delete').click();
  await message(b.page, 'Message deleted').waitFor();
  expect(await message(b.page, 'to be deleted').count()).toBe(0);
  // It was the last message: the list says so, not an empty preview.
  await conversationItem(b.page, 'Changes').filter({ hasText: `${nameOf(a)}: message deleted` }).waitFor();
  await message(a.page, 'Message deleted').waitFor();
  expect(await message(a.page, 'Message deleted').getByRole('button').count()).toBe(0); // a tombstone has no controls

  // The owner deletes B's message.
  confirmNext(a.page);
  await control(a.page, 'from B', 'Delete').click();
  await messageLog(b.page).getByRole('listitem').filter({ hasText: 'Message deleted' }).nth(1).waitFor();
  expect(await message(b.page, 'from B').count()).toBe(0);
}, 60_000);

it('an edit shows at once as saving; refused, the stored text comes back with the reason and the edit reopens', async () => {
  const edit = holdFunction(a.page, 'chat-edit');
  await edit.ready;
  await control(a.page, 'first, edited', 'Edit').click();
  await a.page.getByLabel('Edit message').fill('never stored');
  await a.page.getByRole('button', { name: 'Save' }).click();
  await message(a.page, 'never stored').filter({ hasText: 'saving…' }).waitFor();
  await edit.whenHeld();

  await edit.refuse(403, 'forbidden', 'only the author may edit a message');
  await messageLog(a.page).getByRole('alert').filter({ hasText: 'Could not edit: only the author may edit a message' }).waitFor();
  expect(await a.page.getByLabel('Edit message').inputValue()).toBe('never stored');
  await a.page.getByLabel('Edit message').press('Escape');
  await control(a.page, 'first, edited', 'Edit').waitFor();
  expect(await message(b.page, 'never stored').count()).toBe(0);
}, 60_000);

it('B leaves; the owner removes a member and the member\'s page drops the conversation', async () => {
  // B leaves "Changes": gone from B's list, and A sees one participant.
  await b.page.getByText(/^2 participants/).click();
  confirmNext(b.page);
  await b.page.getByRole('button', { name: 'Leave conversation' }).click();
  await conversationItem(b.page, 'Changes').waitFor({ state: 'detached' });
  await b.page.getByText('No conversations yet: start one.').waitFor(); // B's only one
  await a.page.getByText(/^1 participant:/).waitFor();

  // A removes B from "Removal" while B has it open.
  await createConversation(a.page, 'Removal', { emails: [b.email] });
  await openConversation(b.page, 'Removal');
  await a.page.getByText(/^2 participants/).click();
  const members = a.page.getByRole('list', { name: 'Members' });
  const remove = members.getByRole('button', { name: `Remove ${nameOf(b)}` });
  await remove.waitFor();
  expect(await members.getByRole('listitem').filter({ hasText: /^You \(owner\)$/ }).count()).toBe(1);
  // Only the owner may remove: B's list has no such control.
  await b.page.getByText(/^2 participants/).click();
  await b.page.getByRole('list', { name: 'Members' }).getByText(nameOf(a)).waitFor();
  expect(await b.page.getByRole('button', { name: /^Remove/ }).count()).toBe(0);

  // Refused (say, A was no longer the owner by then): the reason shows, and nothing changes.
  const leave = holdFunction(a.page, 'chat-leave');
  await leave.ready;
  confirmNext(a.page);
  await remove.click();
  await leave.whenHeld();
  await leave.refuse(403, 'forbidden', 'only the conversation owner may remove members');
  await a.page.getByRole('alert').filter({ hasText: 'Could not remove: only the conversation owner may remove members' }).waitFor();
  expect(await conversationItem(b.page, 'Removal').count()).toBe(1);

  confirmNext(a.page);
  await remove.click();
  await conversationItem(b.page, 'Removal').waitFor({ state: 'detached' });
  await b.page.getByText('You are no longer in this conversation.').waitFor();
  await a.page.getByText(/^1 participant:/).waitFor();
  expect(await conversationItem(a.page, 'Removal').count()).toBe(1);
}, 60_000);

it('Mark all read clears every badge and the title\'s total at once, in a second tab too; refused, they come back', async () => {
  await createConversation(b.page, 'B notes');
  const second = await openApp(browser, target.url, b.email, b.context);
  await untilConnected(second.page);
  for (const name of ['Unread one', 'Unread two']) {
    await createConversation(a.page, name, { emails: [b.email] });
    await send(a.page, `in ${name}`);
    await untilMessage(a.page, `in ${name}`);
  }
  await send(a.page, 'and one more');
  await untilMessage(a.page, 'and one more');
  for (const page of [b.page, second.page]) {
    await badge(page, 'Unread one').filter({ hasText: '1' }).waitFor();
    await badge(page, 'Unread two').filter({ hasText: '2' }).waitFor();
    await title(page, '(3) Inbox');
  }

  // Refused: the badges were gone until the answer, and come back with the reason.
  const read = holdFunction(b.page, 'chat-read');
  await read.ready;
  await b.page.getByRole('button', { name: 'Mark all read' }).click();
  await title(b.page, 'Inbox');
  expect(await conversations(b.page).getByLabel(/unread/).count()).toBe(0);
  await read.whenHeld();
  await read.refuse(503, 'unavailable', 'chat-read is down');
  await b.page.getByRole('alert').filter({ hasText: 'Could not mark all read: chat-read is down' }).waitFor();
  await title(b.page, '(3) Inbox');
  await badge(b.page, 'Unread two').waitFor();

  await b.page.getByRole('button', { name: 'Mark all read' }).click();
  for (const page of [b.page, second.page]) {
    await title(page, 'Inbox');
    await conversations(page).getByLabel(/unread/).first().waitFor({ state: 'detached' });
    expect(await page.getByRole('button', { name: 'Mark all read' }).isDisabled()).toBe(true);
  }
  await b.page.getByRole('alert').waitFor({ state: 'detached' });
  for (const user of [a, b, second]) expect(user.errors).toEqual([]);
}, 60_000);
