import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'src/*/test/**/*.test.ts', 'supabase/functions/tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: e2e files each boot a stack; more workers only thrash.
    maxWorkers: 2,
  },
});
