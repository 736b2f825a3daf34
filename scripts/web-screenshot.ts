// Regenerates docs/web-inbox.png, the README's picture of the web app: three people on a fresh
// in-memory stack, Alice's screen with a conversation open and an unread one above it.
// Run: npx tsx scripts/web-screenshot.ts
import { join } from 'node:path';
import { startLocalStack } from '../src/local/stack.ts';
import { projectRoot } from '../src/local/schema.ts';
import { buildWebApp } from '../src/web/build.ts';
import { PASSWORD } from '../tests/support/stack.ts';
import { createConversation, fillCredentials, launchChromium, openApp, send, untilConnected, untilMessage } from '../tests/e2e/web/app.ts';

await buildWebApp({ ifStale: true });
const stack = await startLocalStack({ port: 0 });
const browser = await launchChromium();
try {
  const signUp = async (name: string) => {
    const user = await openApp(browser, stack.url, `${name}@example.com`);
    await fillCredentials(user.page, user.email, PASSWORD);
    await user.page.getByRole('button', { name: 'Sign up', exact: true }).click();
    await untilConnected(user.page);
    return user;
  };
  const [alice, bob, carol] = [await signUp('alice'), await signUp('bob'), await signUp('carol')];

  await createConversation(alice.page, 'Weekend plans', { emails: [bob.email, carol.email], isPublic: true });
  await send(alice.page, 'Hike on Saturday? The forecast looks clear.');
  await untilMessage(bob.page.context().pages()[0]!, 'Hike on Saturday').catch(() => {});
  await bob.page.getByRole('list', { name: 'Conversations' }).getByRole('button', { name: /Weekend plans/ }).click();
  await send(bob.page, "I'm in. 9:00 at the trailhead?");
  await untilMessage(alice.page, "I'm in.");
  await send(alice.page, 'Perfect, see you there');
  await untilMessage(alice.page, 'Perfect');

  await createConversation(carol.page, 'Design review', { emails: [alice.email] });
  await send(carol.page, 'The new inbox mock-ups are ready for you');
  await send(carol.page, 'No rush, Monday is fine');
  await alice.page.getByLabel('2 unread').waitFor();

  await alice.page.screenshot({ path: join(projectRoot, 'docs', 'web-inbox.png') });
  console.log('wrote docs/web-inbox.png');
} finally {
  await browser.close();
  await stack.stop();
}
