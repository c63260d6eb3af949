import { defineConfig } from 'tsup';

export default defineConfig({
  // The client and the emulator are separate entries, so importing the client never loads the emulator.
  entry: { index: 'src/index.ts', emulator: 'src/emulator-entry.ts', 'cli/main': 'src/cli/main.ts' },
  format: ['esm'],
  target: 'node20',
  dts: { entry: { index: 'src/index.ts', emulator: 'src/emulator-entry.ts' } },
  sourcemap: true,
  clean: true,
  // Keep class names: errors report their class in `name` (esbuild would otherwise rename some).
  keepNames: true,
  splitting: true,
});
