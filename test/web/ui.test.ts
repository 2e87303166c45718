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

/** Each row as "id package", in the order shown. */
async function shownFindingsInOrder(page: Page): Promise<string[]> {
  const rows = page.getByTestId("vulnerability-row");
  const ids = await rows.getByTestId("vulnerability-id").allTextContents();
  const packages = await rows.locator('[data-col="package"] .package-name').allTextContents();
  return ids.map((id, index) => `${id.trim()} ${packages[index]?.trim() ?? ""}`);
}

function shownPackageNames(page: Page): Promise<string[]> {
  return page.locator('[data-testid="package-row"] [data-col="name"]').allTextContents();
}

/** The "page" and "limit" query parameters of the page's address, and those it was sorted by. */
function listParams(page: Page): Record<string, string | null> {
  const query = new URL(page.url()).searchParams;
  return Object.fromEntries(["sort", "order", "limit", "page"].map((name) => [name, query.get(name)]));
}

interface ApiFinding {
  id: string;
  package: { name: string };
  references: string[];
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

  /** The items of one page of an image's list, as the API answers the query the UI should have sent. */
  async function apiItems<T>(list: "packages" | "vulnerabilities", query: string): Promise<T[]> {
    const id = seeded.inventory.image.configDigest ?? "";
    const response = await fetch(`${seeded.server.url}/api/v1/images/${id}/${list}?${query}`, {
      headers: { authorization: `Bearer ${seeded.tokens.user}` },
    });
    const body = (await response.json()) as { items: T[] };
    assert.equal(response.status, 200, JSON.stringify(body));
    return body.items;
  }

  const packageNames = async (query: string) =>
    (await apiItems<{ name: string }>("packages", query)).map((pkg) => pkg.name);
  const findingsInOrder = async (query: string) =>
    (await apiItems<ApiFinding>("vulnerabilities", query)).map((finding) => `${finding.id} ${finding.package.name}`);

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

  test("Packages: a column header sorts on the server, a page size sets the rows, and a reload keeps both", async () => {
    await page.getByRole("link", { name: /^Packages/ }).click();
    await page.waitForURL(/tab=packages$/);
    const layerOrder = await packageNames("");
    await eventually(() => shownPackageNames(page), layerOrder);

    const byName = await packageNames("sort=name");
    assert.notDeepEqual(byName, layerOrder, "sorting by name must change the order, or this test proves nothing");
    await page.locator('th[data-sort="name"] a').click();
    await page.waitForURL(/[?&]sort=name(&|$)/);
    await eventually(() => shownPackageNames(page), byName);
    assert.equal(await page.locator('th[data-sort="name"]').getAttribute("aria-sort"), "ascending");

    await page.locator('th[data-sort="name"] a').click();
    await page.waitForURL(/[?&]order=desc(&|$)/);
    await eventually(() => shownPackageNames(page), await packageNames("sort=name&order=desc"));
    assert.equal(await page.locator('th[data-sort="name"]').getAttribute("aria-sort"), "descending");

    const total = seeded.inventory.packages.length;
    assert.ok(total > 10, `the sample image needs more than 10 packages to fill two pages, has ${total}`);
    await page.getByLabel("Rows per page").selectOption("10");
    await page.waitForURL(/[?&]limit=10(&|$)/);
    const firstTen = await packageNames("sort=name&order=desc&limit=10");
    await eventually(() => shownPackageNames(page), firstTen);
    assert.equal(firstTen.length, 10);
    assert.equal(await page.getByTestId("page-of").textContent(), "Page 1 of 2");
    assert.deepEqual(listParams(page), { sort: "name", order: "desc", limit: "10", page: null });

    const before = page.url();
    await page.reload();
    await eventually(() => shownPackageNames(page), firstTen);
    assert.equal(page.url(), before);
    assert.equal(await page.getByLabel("Rows per page").inputValue(), "10");
    assert.equal(await page.locator('th[data-sort="name"]').getAttribute("aria-sort"), "descending");

    // The next page continues the server's order: the sort is not of the rows one page holds.
    await page.getByRole("link", { name: "Next →" }).click();
    await page.waitForURL(/[?&]page=2(&|$)/);
    await eventually(() => shownPackageNames(page), await packageNames("sort=name&order=desc&limit=10&page=2"));
    assert.deepEqual(
      [...firstTen, ...(await shownPackageNames(page))],
      await packageNames("sort=name&order=desc&limit=20"),
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

  test("Vulnerabilities: sorted by package on the server, paged by the chosen size, kept over a reload", async () => {
    await page.getByRole("link", { name: /^Vulnerabilities/ }).click();
    await page.waitForURL(/tab=vulnerabilities$/);
    const worstFirst = await findingsInOrder("");
    await eventually(() => shownFindingsInOrder(page), worstFirst);

    const byPackage = await findingsInOrder("sort=package");
    assert.notDeepEqual(byPackage, worstFirst, "sorting by package must change the order, or this test proves nothing");
    await page.locator('th[data-sort="package"] a').click();
    await page.waitForURL(/[?&]sort=package(&|$)/);
    await eventually(() => shownFindingsInOrder(page), byPackage);

    await page.getByLabel("Rows per page").selectOption("10");
    await page.waitForURL(/[?&]limit=10(&|$)/);
    const firstTen = await findingsInOrder("sort=package&limit=10");
    assert.equal(firstTen.length, 10);
    await eventually(() => shownFindingsInOrder(page), firstTen);
    assert.deepEqual(listParams(page), { sort: "package", order: null, limit: "10", page: null });

    await page.reload();
    await eventually(() => shownFindingsInOrder(page), firstTen);
    assert.deepEqual(listParams(page), { sort: "package", order: null, limit: "10", page: null });
    assert.equal(await page.getByLabel("Rows per page").inputValue(), "10");
    assert.equal(await page.locator('th[data-sort="package"]').getAttribute("aria-sort"), "ascending");
  });

  test("a vulnerability id links to one of its advisory's references, and to nothing when there are none", async () => {
    await page.getByRole("link", { name: /^Vulnerabilities/ }).click();
    await page.waitForURL(/tab=vulnerabilities$/);
    const findings = await apiItems<ApiFinding>("vulnerabilities", "");
    await eventually(async () => (await shownFindingsInOrder(page)).length, findings.length);
    const ids = await page.getByTestId("vulnerability-id").all();
    let linked = 0;
    for (const [index, finding] of findings.entries()) {
      const id = ids[index];
      assert.ok(id !== undefined);
      const href = await id.getAttribute("href");
      if (!finding.references.some((reference) => /^https?:\/\//.test(reference))) {
        assert.equal(href, null, `${finding.id} has no web reference, so it links nowhere`);
        continue;
      }
      assert.ok(href !== null && finding.references.includes(href), `${finding.id} links to ${href}`);
      linked += 1;
    }
    assert.ok(linked > 0, "no finding in the sample has references: the links are untested");
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
