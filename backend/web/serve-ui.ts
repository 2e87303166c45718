import { existsSync } from "node:fs";
import { readFile, realpath, stat } from "node:fs/promises";
import { dirname, extname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Context, MiddlewareHandler } from "hono";

const contentTypes: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
};

/** Vite names everything under assets/ by its content hash, so a file there never changes. */
const immutable = "public, max-age=31536000, immutable";

/** The UI keeps a bearer token in sessionStorage: it runs only its own scripts and styles. */
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * web/dist of this package: the nearest folder above this module that holds a package.json, which is the
 * repository root both from the sources (backend/web/) and from the build (dist/backend/web/).
 */
export function defaultUiDir(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return join(dir, "web", "dist");
    if (dirname(dir) === dir) return join(start, "..", "..", "web", "dist");
  }
}

function isApiPath(path: string): boolean {
  return path === "/api" || path.startsWith("/api/");
}

/**
 * The URL path as decoded segments, or undefined when a segment could climb out of the folder or hide
 * a separator ("..", "%2e%2e", "%2f", "%5c", NUL) or is not valid percent-encoding.
 */
function pathSegments(rawPath: string): string[] | undefined {
  const segments: string[] = [];
  for (const raw of rawPath.split("/")) {
    if (raw === "") continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (segment === "." || segment === ".." || /[/\\\0]/.test(segment)) return undefined;
    segments.push(segment);
  }
  return segments;
}

/** A regular file inside `root` (after resolving links), or undefined. Dot files are never served. */
async function fileInside(root: string, segments: readonly string[]): Promise<string | undefined> {
  if (segments.length === 0 || segments.some((segment) => segment.startsWith("."))) return undefined;
  try {
    const file = await realpath(join(root, ...segments));
    const realRoot = await realpath(root);
    if (!file.startsWith(realRoot + sep)) return undefined;
    return (await stat(file)).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

async function sendFile(c: Context, file: string, cacheControl: string): Promise<Response> {
  const body = await readFile(file);
  c.header("Content-Type", contentTypes[extname(file).toLowerCase()] ?? "application/octet-stream");
  c.header("Cache-Control", cacheControl);
  c.header("X-Content-Type-Options", "nosniff");
  if (file.endsWith(".html")) c.header("Content-Security-Policy", contentSecurityPolicy);
  return c.body(body, 200);
}

/**
 * GET handler for everything outside /api/: a file of the built UI in `uiDir`, else its index.html so that
 * the single-page app can route the path itself. A missing build answers 503. /api/ paths go on to the
 * routes registered after it, and then to the API's 404.
 */
export function serveUi(uiDir: string): MiddlewareHandler {
  return async (c, next) => {
    const rawPath = new URL(c.req.url).pathname;
    if (isApiPath(rawPath)) {
      await next();
      return undefined;
    }
    const index = join(uiDir, "index.html");
    const built = await stat(index).then(
      (info) => info.isFile(),
      () => false,
    );
    if (!built) {
      c.header("Cache-Control", "no-store");
      return c.text("The web UI is not built. Run `npm run build:web`, then reload.\n", 503);
    }
    const segments = pathSegments(rawPath);
    if (segments === undefined) return c.text("bad path\n", 400);
    const file = await fileInside(uiDir, segments);
    if (file !== undefined) {
      return sendFile(c, file, segments[0] === "assets" && segments.length > 1 ? immutable : "no-cache");
    }
    // A missing hashed asset is an old page asking for a replaced build: the HTML would not help it.
    if (segments[0] === "assets") return c.text("not found\n", 404);
    return sendFile(c, index, "no-cache");
  };
}
