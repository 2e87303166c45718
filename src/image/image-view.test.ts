import assert from "node:assert/strict";
import { test } from "node:test";
import type { LayerRef } from "../model/layer.ts";
import { ImageView } from "./image-view.ts";
import { emptyChanges, type LayerChanges } from "./layer-changes.ts";

const layer = (index: number): LayerRef => ({ index, digest: `sha256:${index}`, diffId: `sha256:${index}` });

function changes(
  parts: Partial<Pick<LayerChanges, "removed" | "opaqueDirs">> & {
    files?: Record<string, string>;
    symlinks?: Record<string, string>;
  },
): LayerChanges {
  const out = emptyChanges();
  for (const [path, text] of Object.entries(parts.files ?? {})) out.files.set(path, Buffer.from(text));
  for (const [path, target] of Object.entries(parts.symlinks ?? {})) out.symlinks.set(path, target);
  out.removed = parts.removed ?? [];
  out.opaqueDirs = parts.opaqueDirs ?? [];
  return out;
}

const text = (view: ImageView, path: string): string | undefined => view.get(path)?.content.toString();

test("upper layers replace files and report what changed", () => {
  const view = new ImageView(40);
  assert.deepEqual([...view.apply(layer(0), changes({ files: { "/a/x": "1", "/a/y": "1" } }))].sort(), [
    "/a/x",
    "/a/y",
  ]);
  assert.deepEqual([...view.apply(layer(1), changes({ files: { "/a/x": "2" } }))], ["/a/x"]);
  assert.equal(text(view, "/a/x"), "2");
  assert.equal(view.get("/a/x")?.layer.index, 1);
  assert.equal(view.get("/a/y")?.layer.index, 0);
});

test("whiteouts hide a file or a whole directory of lower layers", () => {
  const view = new ImageView(40);
  view.apply(layer(0), changes({ files: { "/a/x": "1", "/b/c/d": "1", "/keep": "1" } }));
  const changed = view.apply(layer(1), changes({ removed: ["/a/x", "/b"] }));
  assert.deepEqual([...changed].sort(), ["/a/x", "/b/c/d"]);
  assert.equal(view.get("/a/x"), undefined);
  assert.equal(view.get("/b/c/d"), undefined);
  assert.equal(text(view, "/keep"), "1");
});

test("an opaque directory hides lower content but keeps its own layer's files", () => {
  const view = new ImageView(40);
  view.apply(layer(0), changes({ files: { "/d/old": "1", "/d/sub/old": "1", "/dd/other": "1" } }));
  view.apply(layer(1), changes({ opaqueDirs: ["/d"], files: { "/d/new": "2" } }));
  assert.equal(view.get("/d/old"), undefined);
  assert.equal(view.get("/d/sub/old"), undefined);
  assert.equal(text(view, "/d/new"), "2");
  assert.equal(text(view, "/dd/other"), "1");
});

test("symlinks are followed inside the image, absolute ones from the image root", () => {
  const view = new ImageView(40);
  view.apply(
    layer(0),
    changes({
      files: { "/usr/lib/os-release": "ID=debian" },
      symlinks: {
        "/etc/os-release": "../usr/lib/os-release",
        "/lib": "usr/lib",
        "/abs": "/usr/lib",
        "/escape": "../../../../usr",
      },
    }),
  );
  assert.equal(text(view, "/etc/os-release"), "ID=debian");
  assert.equal(text(view, "/lib/os-release"), "ID=debian");
  assert.equal(text(view, "/abs/os-release"), "ID=debian");
  assert.equal(text(view, "/escape/lib/os-release"), "ID=debian");
  assert.equal(view.list("/lib").length, 1);
});

test("symlink loops end in undefined, not a hang", () => {
  const view = new ImageView(40);
  view.apply(layer(0), changes({ symlinks: { "/a": "b", "/b": "a", "/self": "self" } }));
  assert.equal(view.resolve("/a/file"), undefined);
  assert.equal(view.get("/self"), undefined);
});

test("a symlink replacing a directory hides the files below it", () => {
  const view = new ImageView(40);
  view.apply(layer(0), changes({ files: { "/var/lib/rpm/Packages": "db", "/x/rpm/Packages": "other" } }));
  view.apply(layer(1), changes({ symlinks: { "/var/lib/rpm": "/x/rpm" } }));
  assert.equal(view.file("/var/lib/rpm/Packages"), undefined);
  assert.equal(text(view, "/var/lib/rpm/Packages"), "other");
});
