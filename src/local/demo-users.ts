// The accounts supabase/seed.sql creates, for sign-in pages and docs. The local stack serves them at
// GET /local/v1/demo-users (only those present in its database: seed.sql runs on a fresh one).
import type { StackDatabase } from './database.ts';
import type { Mount } from './gateway.ts';
import { json } from './gateway.ts';

export interface DemoUser {
  email: string;
  password: string;
  name: string;
}

export const DEMO_PASSWORD = 'demo-password';

export const DEMO_USERS: readonly DemoUser[] = [
  { email: 'alice@demo.test', password: DEMO_PASSWORD, name: 'Alice' },
  { email: 'bob@demo.test', password: DEMO_PASSWORD, name: 'Bob' },
  { email: 'carol@demo.test', password: DEMO_PASSWORD, name: 'Carol' },
];

export function demoUsersMount(db: StackDatabase): Mount {
  return {
    prefix: '/local/v1/demo-users',
    cors: 'gateway',
    async handle(request) {
      if (request.method !== 'GET') return json(405, { message: 'GET only' });
      const present = await db.transaction((tx) =>
        tx.query<{ email: string }>('select email from auth.users where email = any($1)', [DEMO_USERS.map((u) => u.email)]),
      );
      const emails = new Set(present.map((row) => row.email));
      return json(200, { users: DEMO_USERS.filter((u) => emails.has(u.email)) });
    },
  };
}
