import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { CLIENT_PATHS } from './src/routes.ts';

/** dist/routes.json: the client paths the server answers with index.html. */
function clientRoutes(): Plugin {
  return {
    name: 'tenantry-panel-routes',
    apply: 'build',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'routes.json', source: JSON.stringify(CLIENT_PATHS) });
    },
  };
}

const api = process.env.TENANTRY_API ?? 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [react(), clientRoutes()],
  build: { target: 'es2022', sourcemap: false },
  // `npm run dev`: the page and the API share the dev server's origin, as they do in production.
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: { '/graphql': { target: api, changeOrigin: true } },
  },
});
