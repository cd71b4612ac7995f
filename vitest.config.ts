import { defineConfig } from 'vitest/config';

// Two projects: `unit` (fast, next to the code) and `integration` (real buildah, QEMU, PostgreSQL, Redis).
export default defineConfig({
  test: {
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.test.ts'],
      reporter: ['text-summary', 'lcov'],
    },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          testTimeout: 900_000,
          hookTimeout: 900_000,
          poolOptions: { forks: { singleFork: true } },
          pool: 'forks',
        },
      },
    ],
  },
});
