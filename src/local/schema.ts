import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The project directory (the one holding `supabase/`), as the Supabase CLI takes it: given, else
 * `SUPABASE_WORKDIR`, else the working directory. Never guessed from where this package is installed.
 */
export function resolveProjectDir(projectDir?: string): string {
  const dir = resolve(projectDir ?? (process.env.SUPABASE_WORKDIR || process.cwd()));
  if (!existsSync(join(dir, 'supabase'))) {
    throw new Error(`${dir} has no supabase/ directory: run from the project directory or set SUPABASE_WORKDIR`);
  }
  return dir;
}

export interface SqlFile {
  name: string;
  sql: string;
}

const MIGRATION_NAME = /^(\d{14})_[\w-]+\.sql$/;

/** What the Supabase platform provides before any migration (roles, auth.uid(), realtime.messages). */
export function platformSql(): SqlFile {
  return { name: 'platform.sql', sql: readFileSync(new URL('sql/platform.sql', import.meta.url), 'utf8') };
}

/** supabase/migrations/*.sql in the order the CLI applies them (by timestamp prefix). */
export function migrationFiles(projectDir = resolveProjectDir()): SqlFile[] {
  const dir = join(projectDir, 'supabase', 'migrations');
  return readdirSync(dir)
    .filter((name) => MIGRATION_NAME.test(name))
    .sort()
    .map((name) => ({ name, sql: readFileSync(join(dir, name), 'utf8') }));
}

export function seedFile(projectDir = resolveProjectDir()): SqlFile | null {
  const path = join(projectDir, 'supabase', 'seed.sql');
  return existsSync(path) ? { name: 'seed.sql', sql: readFileSync(path, 'utf8') } : null;
}

/** Runs the platform bootstrap, then every migration, each as one multi-statement script. */
export async function applySchema(exec: (sql: string) => Promise<unknown>, projectDir = resolveProjectDir()): Promise<void> {
  for (const file of [platformSql(), ...migrationFiles(projectDir)]) {
    try {
      await exec(file.sql);
    } catch (error) {
      throw new Error(`applying ${file.name} failed: ${(error as Error).message}`, { cause: error });
    }
  }
}
