/// <reference types="node" />
// A real Chromium for the browser tests: the distribution's /usr/bin/chromium driven by
// playwright-core (no browser download works on the CI machines). Headless, no sandbox (the
// tests run as root), one fresh context per page so nothing leaks between tests.
// The browser is registered for teardown as soon as it exists (../helpers/teardown.ts), as the
// dev server beside it is (./dev-server.ts): one failing to start never leaves the other running.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { registerTeardown } from '../helpers/teardown';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Chromium at `executablePath` (default: CHROMIUM_PATH, else /usr/bin/chromium), registered for teardown. */
export async function launchBrowser(executablePath = CHROMIUM): Promise<Browser> {
  if (!existsSync(executablePath)) {
    throw new Error(
      `No Chromium at ${executablePath}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  registerTeardown('chromium', () => browser.close());
  return browser;
}
