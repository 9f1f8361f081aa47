import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Relative base: the server mounts the console under /console/, but the build works under any prefix.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
});
