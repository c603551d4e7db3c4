import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The Fastify API during development (`npm run dev -w @jiaozi/web`). */
const apiTarget = process.env.JIAOZI_API_URL ?? 'http://localhost:8080';
const proxy = { target: apiTarget, changeOrigin: true, ws: true };

export default defineConfig({
  plugins: [react()],
  resolve: {
    // Workspace packages (@jiaozi/protocol, @jiaozi/money) resolve to their TypeScript sources.
    conditions: ['source', 'module', 'browser', 'development|production'],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    proxy: {
      '/v1': proxy,
      '/docs': proxy,
      '/healthz': proxy,
    },
  },
});
