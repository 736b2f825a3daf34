// The stack's Postgres connection closes even with a query that never finishes (a soak's teardown hung
// for good there, issue 16's CI run).
import { afterAll, expect, it } from 'vitest';
import { CLOSE_GRACE_SECONDS, openDatabase } from '../../database.ts';
import { createScratchDatabase } from '../../scratch-database.ts';

const scratch = await createScratchDatabase('close_test');
afterAll(() => scratch.drop());

it('close() drops a connection whose query is still running, after its grace period', async () => {
  const db = await openDatabase({ databaseUrl: scratch.url });
  const stuck = db.transaction((tx) => tx.query('select pg_sleep(120)')).catch((error: Error) => error);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const started = Date.now();
  await db.close();
  const seconds = (Date.now() - started) / 1000;
  expect(seconds).toBeGreaterThanOrEqual(CLOSE_GRACE_SECONDS - 0.5);
  expect(seconds).toBeLessThan(CLOSE_GRACE_SECONDS + 10);
  expect(await stuck).toBeInstanceOf(Error);
});
