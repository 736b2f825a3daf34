import 'supabase-realtime-inbox-local/node-version';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The workspace packages (client, contract, local) resolve to their TypeScript sources.
  resolve: { conditions: ['source', 'module', 'browser', 'development|production'] },
  ssr: { resolve: { conditions: ['source', 'module', 'node', 'development|production'] } },
  test: {
    include: ['tests/**/*.test.ts', 'src/*/test/**/*.test.ts', 'supabase/functions/tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: e2e files each boot a stack; more workers only thrash.
    maxWorkers: 2,
  },
});
