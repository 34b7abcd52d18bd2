// Playwright configuration for the browser end-to-end tests.
// Run through scripts/e2e.sh, which builds the wasm and the mock API first.
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));
const PORT = 8765;

export default defineConfig({
  testDir: here,
  testMatch: '*.spec.mjs',
  outputDir: `${here}artifacts/test-results`,
  // The tests share one mock API whose attempt counters and log they reset.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    acceptDownloads: true,
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: {
      // Debian's Chromium; Playwright's own browsers are never downloaded.
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    command: `target/release/mock-api --www www --port ${PORT}`,
    cwd: root,
    url: `http://127.0.0.1:${PORT}/__admin/config`,
    // A fresh server every run: its counters and settings start from the defaults.
    reuseExistingServer: false,
    timeout: 15_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
