/**
 * The web UI end to end: a real server with a fresh build of the UI, a real upload, and Debian's Chromium
 * driven by playwright-core through the screens a reader uses.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { type SeverityRating, severityRatings } from "../../src/model/finding.ts";
import { chromiumMissing, eventually, launchChromium } from "./browser.ts";
import { type Seeded, seedServer } from "./seed.ts";

const missing = chromiumMissing();

/** Each row as "id package", sorted: the order is the server's, the set is what the test checks. */
function findingRows(findings: Seeded["findings"]): string[] {
  return findings.map((finding) => `${finding.id} ${finding.packageName}`).sort();
}

async function shownFindingRows(page: Page): Promise<string[]> {
  const rows = page.getByTestId("vulnerability-row");
  const ids = await rows.getByTestId("vulnerability-id").allTextContents();
  const packages = await rows.locator('[data-col="package"] .package-name').allTextContents();
  return ids.map((id, index) => `${id.trim()} ${packages[index]?.trim() ?? ""}`).sort();
}

/** Findings per rating, as the badges' data-count attributes say them. */
function countsOf(ratings: readonly SeverityRating[]): Record<string, string> {
  return Object.fromEntries(
    severityRatings.map((rating) => [rating, String(ratings.filter((each) => each === rating).length)]),
  );
}

describe("web UI in Chromium", { skip: missing ?? false, timeout: 180_000 }, () => {
  let work = "";
  let seeded: Seeded;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  before(
    async () => {
      work = await mkdtemp(join(tmpdir(), "strata-web-"));
      seeded = await seedServer(work);
      browser = await launchChromium();
      page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      page.on("pageerror", (error) => pageErrors.push(error.message));
      page.on("console", (message) => {
        // A refused token is a 401 or 403 that Chromium logs as a failed load; anything else is a fault.
        if (message.type() === "error" && !message.text().startsWith("Failed to load resource"))
          pageErrors.push(message.text());
      });
    },
    { timeout: 120_000 },
  );

  after(
    async () => {
      await browser?.close();
      await seeded.server.close();
      await rm(work, { recursive: true, force: true });
    },
    { timeout: 30_000 },
  );

  test("the sample image has os and sca findings to look at", () => {
    const detections = new Set(seeded.findings.map((finding) => finding.detection));
    assert.deepEqual([...detections].sort(), ["os", "sca"]);
  });

  test("a token prompt first; a user token opens the image list with the image's counts", async () => {
    await page.goto(`${seeded.server.url}/`);
    await page.getByTestId("token-prompt").waitFor();
    await page.getByLabel("API token").fill(seeded.tokens.user);
    await page.getByRole("button", { name: "Sign in" }).click();

    const row = page.getByTestId("image-row");
    await row.waitFor();
    assert.equal(await row.count(), 1);
    assert.equal(
      (await row.locator('[data-col="reference"] a').textContent())?.trim(),
      seeded.inventory.image.reference,
    );
    assert.equal(await page.getByTestId("total").textContent(), "1 image");
    const badges = row.locator('[data-col="findings"] [data-severity]');
    const shown: Record<string, string> = {};
    for (const badge of await badges.all()) {
      shown[(await badge.getAttribute("data-severity")) ?? "?"] = (await badge.getAttribute("data-count")) ?? "?";
    }
    assert.deepEqual(shown, countsOf(seeded.findings.map((finding) => finding.severity.rating)));
  });

  test("the image page shows its header, and Layers lists every layer with what it introduced", async () => {
    await page.getByRole("link", { name: seeded.inventory.image.reference }).click();
    const id = seeded.inventory.image.configDigest ?? "";
    await page.waitForURL(`**/images/${id}`);
    assert.equal(await page.getByTestId("image-reference").textContent(), seeded.inventory.image.reference);
    assert.equal(await page.getByTestId("image-digest").textContent(), id);
    assert.equal(await page.getByTestId("image-distro").textContent(), "Debian GNU/Linux 11 (bullseye)");

    const rows = page.getByTestId("layer-row");
    await rows.first().waitFor();
    const shown = [];
    for (const row of await rows.all()) {
      shown.push({
        index: Number(await row.locator('[data-col="index"]').textContent()),
        digest: await row.locator('[data-col="digest"] code').getAttribute("title"),
        diffId: await row.locator('[data-col="diff-id"] code').getAttribute("title"),
        createdBy: (await row.locator('[data-col="created-by"]').textContent())?.trim(),
        packages: Number(await row.locator('[data-col="packages"]').textContent()),
      });
    }
    assert.deepEqual(
      shown,
      seeded.inventory.layers.map((layer) => ({
        index: layer.index,
        digest: layer.digest,
        diffId: layer.diffId,
        createdBy: layer.createdBy ?? "—",
        packages: seeded.inventory.packages.filter((pkg) => pkg.layer.index === layer.index).length,
      })),
    );
  });

  test("Packages: filtering by ecosystem shows that ecosystem's packages", async () => {
    await page.getByRole("link", { name: /^Packages/ }).click();
    await page.getByTestId("package-row").first().waitFor();
    await page.getByLabel("Ecosystem").selectOption("npm");
    await page.waitForURL(/[?&]ecosystem=npm/);
    const names = seeded.inventory.packages
      .filter((pkg) => pkg.ecosystem === "npm")
      .map((pkg) => pkg.name)
      .sort();
    await eventually(
      async () => (await page.locator('[data-testid="package-row"] [data-col="name"]').allTextContents()).sort(),
      names,
    );
  });

  test("Vulnerabilities: the SCA filter shows exactly the language packages' findings", async () => {
    await page.getByRole("link", { name: /^Vulnerabilities/ }).click();
    await page.waitForURL(/tab=vulnerabilities$/);
    await eventually(() => shownFindingRows(page), findingRows(seeded.findings));

    await page.getByLabel("Detection").selectOption("sca");
    await page.waitForURL(/[?&]detection=sca/);
    const sca = seeded.findings.filter((finding) => finding.detection === "sca");
    await eventually(() => shownFindingRows(page), findingRows(sca));
    assert.match(
      (await page.getByTestId("total").textContent()) ?? "",
      new RegExp(`^${sca.length} vulnerabilit(y|ies) of ${seeded.findings.length}\\b`),
    );
  });

  test("a severity filter lives in the URL, and a reload keeps it", async () => {
    const sca = seeded.findings.filter((finding) => finding.detection === "sca");
    // The rating with the most SCA findings, so that the filter has rows to show.
    const rating = severityRatings
      .map((each) => ({ each, n: sca.filter((finding) => finding.severity.rating === each).length }))
      .sort((a, b) => b.n - a.n)[0]?.each;
    assert.ok(rating !== undefined);
    const expected = findingRows(sca.filter((finding) => finding.severity.rating === rating));

    await page.getByRole("checkbox", { name: rating }).check();
    await page.waitForURL(new RegExp(`[?&]severity=${rating}(&|$)`));
    const url = new URL(page.url());
    assert.equal(url.searchParams.get("detection"), "sca");
    assert.equal(url.searchParams.get("tab"), "vulnerabilities");
    await eventually(() => shownFindingRows(page), expected);

    await page.reload();
    await eventually(() => shownFindingRows(page), expected);
    assert.equal(page.url(), url.href);
    assert.equal(await page.getByRole("checkbox", { name: rating }).isChecked(), true);
    assert.equal(await page.getByLabel("Detection").inputValue(), "sca");
    const screenshots = process.env["STRATA_UI_SCREENSHOTS"];
    if (screenshots !== undefined)
      await page.screenshot({ path: join(screenshots, "vulnerabilities.png"), fullPage: true });
  });

  test("a wrong token, or a sensor's, shows the prompt again with the reason", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    assert.equal(await page.getByTestId("prompt-message").textContent(), "You are signed out.");

    await page.getByLabel("API token").fill("strata_not-a-token-this-server-made-000000000000");
    await page.getByRole("button", { name: "Sign in" }).click();
    await eventually(async () => /\(401\)/.test((await page.getByTestId("prompt-message").textContent()) ?? ""), true);
    assert.equal(await page.evaluate("sessionStorage.length"), 0);

    await page.getByLabel("API token").fill(seeded.tokens.sensor);
    await page.getByRole("button", { name: "Sign in" }).click();
    await eventually(async () => /\(403\)/.test((await page.getByTestId("prompt-message").textContent()) ?? ""), true);
  });

  test("the page raised no script errors and broke no content security rule", () => {
    assert.deepEqual(pageErrors, []);
  });
});
