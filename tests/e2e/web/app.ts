// Driving the reference web app (src/web) in Chromium through the names it promises to keep stable.
import { randomUUID } from 'node:crypto';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { PASSWORD } from '../../support/stack.ts';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-gpu'],
  });
}

export interface WebUser {
  email: string;
  context: BrowserContext;
  page: Page;
  errors: string[];
}

export const uniqueEmail = (name: string) => `${name}-${randomUUID().slice(0, 8)}@example.test`;

/** A browser context (its own storage: another device) with the app open, not signed in. */
export async function openApp(
  browser: Browser,
  url: string,
  email: string,
  context?: BrowserContext,
): Promise<WebUser> {
  context ??= await browser.newContext({ viewport: { width: 1100, height: 700 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  return { email, context, page, errors };
}

export async function fillCredentials(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
}

export async function signUpInApp(browser: Browser, url: string, name: string): Promise<WebUser> {
  const user = await openApp(browser, url, uniqueEmail(name));
  await fillCredentials(user.page, user.email);
  // Shown to the other members: the unique part of the address, so tests can tell users apart.
  await user.page.getByLabel('Name (when signing up)').fill(user.email.split('@')[0]);
  await user.page.getByRole('button', { name: 'Sign up', exact: true }).click();
  await untilConnected(user.page);
  return user;
}

export const connection = (page: Page) => page.getByRole('status', { name: 'Connection' });

export const untilConnected = (page: Page, timeout = 15_000) =>
  connection(page).filter({ hasText: /^connected$/ }).waitFor({ timeout });

/** The main list (not archived), pinned first. */
export const conversations = (page: Page) => page.getByRole('list', { name: 'Conversations', exact: true }).getByRole('listitem');

/** The archived ones, listed once "Archived (N)" is unfolded. */
export const archivedConversations = (page: Page) => page.getByRole('list', { name: 'Archived conversations' }).getByRole('listitem');

export const conversationItem = (page: Page, title: string) => conversations(page).filter({ hasText: title });

export const messageLog = (page: Page) => page.getByRole('log');

/** A conversation's Pin, Mute, Archive control (Unpin, Unmute, Unarchive when set), named with its title. */
export const settingControl = (page: Page, title: string, verb: string) =>
  page.getByRole('button', { name: `${verb} ${title}`, exact: true });

export async function openConversation(page: Page, title: string): Promise<void> {
  // The item's first button opens it; its settings controls follow.
  await conversationItem(page, title).getByRole('button').first().click();
  await page.getByRole('heading', { name: title }).waitFor();
}

export async function createConversation(page: Page, title: string, options: { emails?: string[]; isPublic?: boolean } = {}) {
  await page.getByRole('button', { name: 'New conversation' }).click();
  await page.getByLabel('Title').fill(title);
  if (options.emails) await page.getByLabel('Participants (emails)').fill(options.emails.join(', '));
  if (options.isPublic) await page.getByLabel(/Public/).check();
  await page.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('heading', { name: title }).waitFor();
}

export async function send(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
}

/** Waits for a message in the open conversation's log (stored, not still sending). */
export const untilMessage = (page: Page, text: string, timeout = 10_000) =>
  messageLog(page).getByRole('listitem').filter({ hasText: text }).filter({ hasNotText: /sending…|failed/ }).waitFor({ timeout });

/** Edits one of the user's messages in the open conversation through its Edit control (shown on hover). */
export async function editMessage(page: Page, text: string, next: string): Promise<void> {
  await messageLog(page).getByRole('listitem').filter({ hasText: text }).getByRole('button', { name: 'Edit', exact: true }).click();
  await page.getByLabel('Edit message').fill(next);
  await page.getByLabel('Edit message').press('Enter');
}

export const title = (page: Page, expected: string) => page.waitForFunction((t) => document.title === t, expected);

