import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** `npm run dev` serves the app on :5175 and sends /api to the guide's server on :8091. */
export default defineConfig({
  plugins: [react()],
  resolve: {
    conditions: ['source', 'module', 'browser', 'development|production'],
  },
  build: {
    outDir: 'dist/app',
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    port: 5175,
    proxy: { '/api': process.env.RESTAURANTS_API_URL ?? 'http://localhost:8091' },
  },
});
