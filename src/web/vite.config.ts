import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  plugins: [react()],
  // The workspace packages resolve to their TypeScript sources, as everywhere in the repo.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  build: {
    outDir: here('../../dist/web'),
    emptyOutDir: true,
    // react-dom and supabase-js alone are ~450 kB minified; one chunk keeps it to one request.
    chunkSizeWarningLimit: 700,
  },
  // `vite` (dev) proxies the API to a running `npm start`.
  server: {
    proxy: Object.fromEntries(
      ['/rest', '/auth', '/functions', '/realtime', '/local', '/app-config.json'].map((path) => [
        path,
        { target: 'http://127.0.0.1:54321', ws: path === '/realtime' },
      ]),
    ),
  },
});
