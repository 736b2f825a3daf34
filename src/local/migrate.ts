import type { App, Connection } from '@supabase/lite';
import type { StackDatabase } from './database.ts';
import { migrationFiles, platformSql, seedFile } from './schema.ts';

/** lite internals this module has to reach; see prepareDatabase. */
interface LiteRlsInternals {
  rlsState: string;
  ensureRlsContext(): Promise<void>;
}

/**
 * Brings the database to the state `supabase start` would: GoTrue's auth schema (from lite), the
 * platform bootstrap, every pending migration (each in one transaction, recorded in
 * supabase_migrations.schema_migrations like the CLI), then seed.sql on a fresh database.
 * Returns the names of the migrations it applied.
 */
export async function prepareDatabase(db: StackDatabase, app: App, projectDir: string): Promise<string[]> {
  // lite's auth tables first: the bootstrap only creates what is missing, so the reverse order would
  // leave a minimal auth.users in place of GoTrue's.
  await db.exclusive(() => app.ensureSystemSchema());
  await db.transaction((tx) => tx.exec(platformSql().sql));

  const applied = new Set(
    (await db.transaction((tx) => tx.query<{ version: string }>('select version from supabase_migrations.schema_migrations')))
      .map((row) => row.version),
  );
  const fresh = applied.size === 0;
  const ran: string[] = [];
  for (const file of migrationFiles(projectDir)) {
    const [version, ...rest] = file.name.replace(/\.sql$/, '').split('_');
    if (applied.has(version)) continue;
    await db.transaction(async (tx) => {
      await tx.exec(file.sql);
      await tx.query(
        'insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)',
        [version, rest.join('_'), [file.sql]],
      );
    });
    ran.push(file.name);
  }
  const seed = seedFile(projectDir);
  if (fresh && seed) await db.transaction((tx) => tx.exec(seed.sql));

  await primeLite(db, app.connection);
  return ran;
}

/**
 * lite introspects the schema once and decides once per connection whether RLS is in play; a
 * decision taken before the migrations ran would serve every request as the superuser. Reset both,
 * and run lite's one-time role setup now, sequentially: concurrent first requests race on it.
 */
async function primeLite(db: StackDatabase, connection: Connection): Promise<void> {
  await db.exclusive(async () => {
    await connection.clearSchemaCache();
    const internals = connection as unknown as LiteRlsInternals;
    internals.rlsState = 'unknown';
    await internals.ensureRlsContext();
  });
}
