import { defineConfig } from 'vite';

// Hashed bundles land in dist/assets/, which the API serves as immutable; index.html is revalidated.
export default defineConfig({
  base: '/',
  build: { outDir: 'dist', assetsDir: 'assets', emptyOutDir: true, sourcemap: true },
});
