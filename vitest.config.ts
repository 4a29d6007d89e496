import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Firmware builds and QEMU runs take seconds each; the machine has 2 cores.
    testTimeout: 180_000,
    hookTimeout: 300_000,
    maxWorkers: 2,
    // The JSON report is what .ci/run reads for its closing `N passed, N failed` line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
