/// <reference types="node" />
// A real Chromium for the browser tests: the distribution's /usr/bin/chromium driven by
// playwright-core (no browser download works on the CI machines). Headless, no sandbox (the
// tests run as root), one fresh context per page so nothing leaks between tests.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}
