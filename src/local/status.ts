// `npm run status`: the URLs and keys of the stack `npm start` runs here, again (`supabase status`).
import { formatBanner, readStatus } from './cli/status-file.ts';

const status = readStatus();
if (!status) {
  console.error(JSON.stringify({ event: 'local_stack_not_running', message: 'no local stack is running here: start one with npm start' }));
  process.exit(1);
}
process.stdout.write(`${formatBanner(status)}\n`);
