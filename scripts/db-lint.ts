// `npm run db:lint`: supabase db lint (plpgsql_check) on a database built from the migrations; any
// warning fails. Needs the plpgsql_check extension on the server (Debian postgresql-15-plpgsql-check).
import 'supabase-realtime-inbox-local/node-version';
import { supabase, withSchemaDatabase } from './supabase-cli.ts';

const status = await withSchemaDatabase('inbox_lint', (url) => {
  const result = supabase(['db', 'lint', `--remote=${url}`, '--level', 'warning', '--fail-on', 'warning']);
  if (result.stdout.trim()) console.log(result.stdout.trim());
  return result.status;
});
process.exit(status);
