// What stops `npm start` before it serves, said in one line with the fix, instead of a stack trace.

export interface StartupFailure {
  event: 'local_stack_failed';
  reason: string;
  message: string;
}

export interface StartupContext {
  port: number;
  databaseUrl?: string;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNRESET']);

const failure = (reason: string, message: string): StartupFailure => ({ event: 'local_stack_failed', reason, message });

export function describeStartupError(error: unknown, { port, databaseUrl }: StartupContext): StartupFailure {
  const { code, message = String(error) } = error as { code?: string; message?: string };
  if (code === 'EADDRINUSE') {
    return failure('port_in_use', `port ${port} is already in use (another npm start or supabase start?): stop it, or start on another port: PORT=${port + 1} npm start`);
  }
  if (databaseUrl) {
    const url = new URL(databaseUrl);
    const where = `${url.hostname}:${url.port || 5432}`;
    const database = decodeURIComponent(url.pathname.slice(1)) || 'postgres';
    if (code && UNREACHABLE.has(code)) {
      return failure('postgres_unreachable', `cannot reach Postgres at ${where} (${code}) from DATABASE_URL: start Postgres there, fix DATABASE_URL, or unset it to run on the embedded database`);
    }
    if (code === '3D000') {
      return failure('database_missing', `database "${database}" does not exist on ${where}: create it (createdb -h ${url.hostname} -p ${url.port || 5432} ${database}) or point DATABASE_URL at one that exists`);
    }
    if (code === '28000' || code === '28P01') {
      return failure('postgres_login_refused', `Postgres at ${where} refused the login in DATABASE_URL (${message}): fix the user or password in DATABASE_URL`);
    }
  }
  return failure('start_failed', message.split('\n')[0]);
}

export const resetNeedsEmbeddedDatabase = (): StartupFailure =>
  failure('reset_with_database_url', '--reset wipes the embedded database only, and DATABASE_URL is set: recreate that database yourself (dropdb, then createdb), or unset DATABASE_URL to reset the embedded one');

export const alreadyRunning = (pid: number, url: string): StartupFailure =>
  failure('already_running', `npm start is already running here on the embedded database (pid ${pid}, ${url}): use that one (npm run status), stop it, or give this one its own LOCAL_STACK_DIR`);
