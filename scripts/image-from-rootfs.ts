/**
 * Builds a docker-archive (docker save layout) from successive snapshots of a root filesystem:
 * layer N holds what changed from snapshot N-1 to N, with whiteouts for what disappeared.
 *
 *   node --import tsx scripts/image-from-rootfs.ts OUT.tar --tag NAME:TAG DIR0::CREATED_BY DIR1::CREATED_BY ...
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { lstat, mkdir, mkdtemp, opendir, readlink, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { execFileSync } from "node:child_process";
import { type Header, pack } from "tar-stream";

interface Node {
  type: "file" | "directory" | "symlink";
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: Date;
  linkname: string;
}

async function snapshot(root: string): Promise<Map<string, Node>> {
  const nodes = new Map<string, Node>();
  const pending = [""];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    for await (const entry of await opendir(root + (dir || "/"))) {
      const path = `${dir}/${entry.name}`;
      const stat = await lstat(root + path);
      const type = stat.isDirectory()
        ? "directory"
        : stat.isSymbolicLink()
          ? "symlink"
          : stat.isFile()
            ? "file"
            : undefined;
      if (!type) continue;
      nodes.set(path, {
        type,
        mode: stat.mode & 0o7777,
        uid: stat.uid,
        gid: stat.gid,
        size: type === "file" ? stat.size : 0,
        mtime: stat.mtime,
        linkname: type === "symlink" ? await readlink(root + path) : "",
      });
      if (type === "directory") pending.push(path);
    }
  }
  return nodes;
}

function sameNode(a: Node, b: Node): boolean {
  return (
    a.type === b.type &&
    a.mode === b.mode &&
    a.uid === b.uid &&
    a.gid === b.gid &&
    a.size === b.size &&
    a.mtime.getTime() === b.mtime.getTime() &&
    a.linkname === b.linkname
  );
}

/** Writes the tar of what changed; returns its sha256 digest and size. */
async function writeLayer(root: string, now: Map<string, Node>, before: Map<string, Node>, file: string) {
  const tar = pack();
  const hash = createHash("sha256");
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  const written = pipeline(tar, meter, createWriteStream(file));
  for (const path of [...now.keys()].sort()) {
    const node = now.get(path);
    const old = before.get(path);
    if (!node || (old && sameNode(old, node))) continue;
    const header: Header = {
      name: path.slice(1),
      type: node.type,
      mode: node.mode,
      uid: node.uid,
      gid: node.gid,
      mtime: node.mtime,
      size: node.size,
      linkname: node.linkname,
      uname: "",
      gname: "",
      devmajor: 0,
      devminor: 0,
    };
    if (node.type === "file") {
      const sink = tar.entry(header);
      await pipeline(createReadStream(root + path), sink);
    } else {
      await new Promise<void>((resolve, reject) =>
        tar.entry(header, (error) => {
          if (error) reject(error);
          else resolve();
        }),
      );
    }
  }
  for (const path of [...before.keys()].sort()) {
    if (now.has(path)) continue;
    const parent = path.slice(0, path.lastIndexOf("/"));
    if (parent !== "" && !now.has(parent)) continue; // the whole parent is already whited out
    const name = `${parent.slice(1)}${parent ? "/" : ""}.wh.${path.slice(path.lastIndexOf("/") + 1)}`;
    await new Promise<void>((resolve, reject) =>
      tar.entry({ name, size: 0 }, "", (error) => {
        if (error) reject(error);
        else resolve();
      }),
    );
  }
  tar.finalize();
  await written;
  return { digest: `sha256:${hash.digest("hex")}`, size };
}

async function main(argv: string[]): Promise<void> {
  const [out, ...rest] = argv;
  if (!out) throw new Error("usage: image-from-rootfs.ts OUT.tar [--tag NAME:TAG] DIR::CREATED_BY ...");
  const tags: string[] = [];
  const steps: { dir: string; createdBy: string }[] = [];
  for (let i = 0; i < rest.length; i += 1) {
    const arg = rest[i] ?? "";
    if (arg === "--tag") tags.push(rest[++i] ?? "");
    else {
      const [dir = "", createdBy = ""] = arg.split("::");
      steps.push({ dir, createdBy });
    }
  }
  const work = await mkdtemp(join(tmpdir(), "strata-image-"));
  try {
    let before = new Map<string, Node>();
    const layers: { digest: string; size: number; createdBy: string }[] = [];
    for (const [index, step] of steps.entries()) {
      const now = await snapshot(step.dir);
      await mkdir(join(work, `layer${index}`));
      const layer = await writeLayer(step.dir, now, before, join(work, `layer${index}`, "layer.tar"));
      layers.push({ ...layer, createdBy: step.createdBy });
      before = now;
      process.stderr.write(`layer ${index}: ${layer.size} bytes, ${step.createdBy}\n`);
    }
    const created = new Date().toISOString();
    const config = Buffer.from(
      JSON.stringify({
        architecture: process.arch === "x64" ? "amd64" : process.arch,
        os: "linux",
        created,
        config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] },
        rootfs: { type: "layers", diff_ids: layers.map((layer) => layer.digest) },
        history: layers.map((layer) => ({ created, created_by: layer.createdBy })),
      }),
    );
    const configName = `${createHash("sha256").update(config).digest("hex")}.json`;
    await writeFile(join(work, configName), config);
    const manifest = [
      { Config: configName, RepoTags: tags, Layers: layers.map((_, index) => `layer${index}/layer.tar`) },
    ];
    await writeFile(join(work, "manifest.json"), JSON.stringify(manifest));
    execFileSync("tar", [
      "-cf",
      out,
      "-C",
      work,
      "manifest.json",
      configName,
      ...layers.map((_, index) => `layer${index}`),
    ]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main(process.argv.slice(2));
