import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The dashboard is served by the API process (apps/web/serve.ts) on the API's own origin, so
// the client talks to /trpc without CORS or a proxy.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
  },
});
