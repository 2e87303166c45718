import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { type Browser, chromium } from "playwright-core";

const executablePath = "/usr/bin/chromium";

/** Why the browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(executablePath)
    ? undefined
    : `${executablePath} is missing: install Debian's chromium package to run the web UI tests`;
}

/** Debian's Chromium, headless; playwright-core never downloads a browser of its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage", "--disable-gpu"],
  });
}

/**
 * Reads `actual` until it equals `expected` (the page renders after its requests finish), then asserts it,
 * so a mismatch fails with the last value read and a diff.
 */
export async function eventually<T>(actual: () => Promise<T>, expected: T, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = await actual();
  while (!isDeepStrictEqual(last, expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await actual();
  }
  assert.deepEqual(last, expected);
}
