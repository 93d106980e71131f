import { createHash } from 'node:crypto';
import { defineConfig } from 'vite';

// GraphiQL's stylesheet embeds its fonts and icons as data: URLs. Written out as files, the page's
// CSP can stay at 'self' for fonts and images instead of also allowing data:.
function dataUrlsToFiles() {
  const DATA_URL = /url\(\s*(["']?)data:([a-z0-9.+/-]+);base64,([A-Za-z0-9+/=]+)\1\s*\)/gi;
  const EXT = { 'font/ttf': 'ttf', 'font/woff': 'woff', 'font/woff2': 'woff2', 'image/png': 'png', 'image/svg+xml': 'svg' };
  return {
    name: 'data-urls-to-files',
    enforce: 'post',
    generateBundle: {
      order: 'post', // after Vite has written the stylesheet
      handler(_options, bundle) {
        for (const asset of Object.values(bundle)) {
          if (asset.type !== 'asset' || !asset.fileName.endsWith('.css')) continue;
          asset.source = String(asset.source).replace(DATA_URL, (whole, _quote, mime, base64) => {
            const ext = EXT[mime.toLowerCase()];
            if (!ext) return whole;
            const source = Buffer.from(base64, 'base64');
            const hash = createHash('sha256').update(source).digest('hex').slice(0, 10);
            const fileName = `inline-${hash}.${ext}`;
            if (!bundle[fileName]) this.emitFile({ type: 'asset', fileName, source });
            return `url(./${fileName})`;
          });
        }
      },
    },
  };
}

// One entry (graphiql.js + graphiql.css) with fixed names for the HTML page in server/graphiql.py;
// Monaco's workers, fonts and chunks are emitted beside it and found relative to the entry.
export default defineConfig({
  base: './',
  plugins: [dataUrlsToFiles()],
  build: {
    outDir: '../../server/static/graphiql',
    emptyOutDir: true,
    assetsDir: '.',
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    sourcemap: false,
    chunkSizeWarningLimit: 8000,
    rollupOptions: {
      input: 'src/main.js',
      output: {
        entryFileNames: 'graphiql.js',
        assetFileNames: (asset) => (asset.names?.some((n) => n.endsWith('.css')) ? 'graphiql.css' : '[name]-[hash][extname]'),
        chunkFileNames: '[name]-[hash].js',
      },
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning); // "use client" in framer-motion
      },
    },
  },
  worker: { format: 'es' },
});
