import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file so scripts work from any working directory. */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface SqlFile {
  name: string;
  sql: string;
}

const MIGRATION_NAME = /^(\d{14})_[\w-]+\.sql$/;

/** What the Supabase platform provides before any migration (roles, auth.uid(), realtime.messages). */
export function platformSql(): SqlFile {
  const path = join(projectRoot, 'src', 'local', 'sql', 'platform.sql');
  return { name: 'platform.sql', sql: readFileSync(path, 'utf8') };
}

/** supabase/migrations/*.sql in the order the CLI applies them (by timestamp prefix). */
export function migrationFiles(dir = join(projectRoot, 'supabase', 'migrations')): SqlFile[] {
  return readdirSync(dir)
    .filter((name) => MIGRATION_NAME.test(name))
    .sort()
    .map((name) => ({ name, sql: readFileSync(join(dir, name), 'utf8') }));
}

export function seedFile(path = join(projectRoot, 'supabase', 'seed.sql')): SqlFile | null {
  return existsSync(path) ? { name: 'seed.sql', sql: readFileSync(path, 'utf8') } : null;
}

/** Runs the platform bootstrap, then every migration, each as one multi-statement script. */
export async function applySchema(exec: (sql: string) => Promise<unknown>): Promise<void> {
  for (const file of [platformSql(), ...migrationFiles()]) {
    try {
      await exec(file.sql);
    } catch (error) {
      throw new Error(`applying ${file.name} failed: ${(error as Error).message}`, { cause: error });
    }
  }
}
