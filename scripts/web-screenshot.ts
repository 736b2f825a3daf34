// Regenerates docs/web-inbox.png, the README's picture of the web app: a fresh in-memory stack with
// the seed's demo accounts, Alice signed in with one click, "Weekend plans" open, Bob answering live
// and then editing his answer; Alice has pinned "Weekend plans" and muted "Alice & Bob".
// Run: npx tsx --conditions=source scripts/web-screenshot.ts
import { join } from 'node:path';
import { resolveProjectDir, startLocalStack } from 'supabase-realtime-inbox-local';
import { buildWebApp } from '../src/web/build.ts';
import {
  conversationItem,
  editMessage,
  launchChromium,
  messageLog,
  openApp,
  openConversation,
  send,
  settingControl,
  untilConnected,
  untilMessage,
} from '../tests/e2e/web/app.ts';

const projectRoot = resolveProjectDir();

await buildWebApp({ ifStale: true });
const stack = await startLocalStack({ port: 0 });
const browser = await launchChromium();
try {
  const signIn = async (name: string) => {
    const user = await openApp(browser, stack.url, `${name.toLowerCase()}@demo.test`);
    await user.page.getByRole('button', { name: `Use ${name}` }).click();
    await untilConnected(user.page);
    return user;
  };
  const [alice, bob] = [await signIn('Alice'), await signIn('Bob')];
  await openConversation(alice.page, 'Weekend plans');
  await openConversation(bob.page, 'Weekend plans');
  await send(bob.page, 'Bringing snacks for everyone');
  await untilMessage(alice.page, 'Bringing snacks');
  await editMessage(bob.page, 'Bringing snacks', 'Bringing snacks and lemonade for everyone');
  await messageLog(alice.page).getByRole('listitem').filter({ hasText: 'lemonade' }).getByText('edited', { exact: true }).waitFor();
  await settingControl(alice.page, 'Weekend plans', 'Pin').click();
  await settingControl(alice.page, 'Alice & Bob', 'Mute').click();
  await conversationItem(alice.page, 'Alice & Bob').getByText('muted', { exact: true }).waitFor();
  await conversationItem(alice.page, 'Weekend plans').getByText('pinned', { exact: true }).waitFor();
  // Off the list, so its hover and focus controls are folded away again.
  await alice.page.getByLabel('Message', { exact: true }).focus();
  await alice.page.mouse.move(700, 400);
  await alice.page.screenshot({ path: join(projectRoot, 'docs', 'web-inbox.png') });
  console.log('wrote docs/web-inbox.png');
} finally {
  await browser.close();
  await stack.stop();
}
