/**
 * Starts and stops real runtime daemons (dockerd, containerd) on private sockets and roots under a test's
 * temporary folder, and runs their command-line tools. Each test file owns its daemons: it starts them in
 * `before` and stops them in `after`; a daemon still running when the test process exits is killed.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { access, constants, mkdir, open, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface Daemon {
  readonly name: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

/** Why runtime tests cannot run here (not root, or a tool missing), or undefined when they can. */
export async function cannotRun(tools: { binary: string; debianPackage: string }[]): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "runtime daemons need root";
  for (const { binary, debianPackage } of tools) {
    if ((await which(binary)) === undefined) return `${binary} is not installed (Debian package ${debianPackage})`;
  }
  return undefined;
}

export async function which(binary: string): Promise<string | undefined> {
  for (const dir of (process.env["PATH"] ?? "").split(":").concat(["/usr/sbin", "/sbin"])) {
    if (dir === "") continue;
    const path = join(dir, binary);
    try {
      await access(path, constants.X_OK);
      return path;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** Runs a tool to completion; rejects with its output when it fails. */
export async function runTool(binary: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const path = (await which(binary)) ?? binary;
  try {
    const { stdout } = await run(path, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const detail =
      typeof error === "object" && error !== null && "stderr" in error ? String(error.stderr).trim() : String(error);
    throw new Error(`${binary} ${args.join(" ")} failed: ${detail}`, { cause: error });
  }
}

/** Starts a daemon with its output in `logFile`, and waits until `ready` says yes (or gives up). */
async function startDaemon(
  name: string,
  binary: string,
  args: string[],
  logFile: string,
  ready: () => Promise<boolean>,
  timeoutMs: number,
): Promise<Daemon> {
  const path = (await which(binary)) ?? binary;
  const log = await open(logFile, "w");
  let child: ChildProcess;
  try {
    child = spawn(path, args, { stdio: ["ignore", log.fd, log.fd] });
  } finally {
    await log.close();
  }
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      resolve();
    }),
  );
  const killOnExit = (): void => {
    child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  let running = true;
  void exited.then(() => {
    running = false;
  });
  const stop = async (): Promise<void> => {
    process.removeListener("exit", killOnExit);
    if (!running) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!running) break;
    if (await ready().catch(() => false)) return { name, logFile, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  const tail = (await readFile(logFile, "utf8").catch(() => "")).split("\n").slice(-15).join("\n");
  throw new Error(`${name} did not start within ${timeoutMs / 1000} s:\n${tail}`);
}

/** dockerd with vfs storage, no networking set-up, and everything under `dir`. */
export async function startDockerd(dir: string): Promise<{ daemon: Daemon; socket: string }> {
  await mkdir(dir, { recursive: true });
  const socket = join(dir, "docker.sock");
  const config = join(dir, "daemon.json");
  await writeFile(config, "{}\n");
  const daemon = await startDaemon(
    "dockerd",
    "dockerd",
    [
      "--config-file",
      config,
      "--iptables=false",
      "--ip6tables=false",
      "--bridge=none",
      "--storage-driver=vfs",
      "-H",
      `unix://${socket}`,
      "--data-root",
      join(dir, "data"),
      "--exec-root",
      join(dir, "exec"),
      "--pidfile",
      join(dir, "docker.pid"),
    ],
    join(dir, "dockerd.log"),
    async () =>
      (await runTool("docker", ["-H", `unix://${socket}`, "version", "--format", "{{.Server.Version}}"], 5_000)) !== "",
    30_000,
  );
  return { daemon, socket };
}

/** containerd with its root, state and sockets under `dir`, and no CRI plugin. */
export async function startContainerd(dir: string): Promise<{ daemon: Daemon; socket: string; root: string }> {
  await mkdir(dir, { recursive: true });
  const socket = join(dir, "containerd.sock");
  const root = join(dir, "root");
  const config = join(dir, "config.toml");
  await writeFile(
    config,
    [
      "version = 2",
      `root = ${JSON.stringify(root)}`,
      `state = ${JSON.stringify(join(dir, "state"))}`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      "[grpc]",
      `  address = ${JSON.stringify(socket)}`,
      "[ttrpc]",
      `  address = ${JSON.stringify(`${socket}.ttrpc`)}`,
      "",
    ].join("\n"),
  );
  const daemon = await startDaemon(
    "containerd",
    "containerd",
    ["--config", config],
    join(dir, "containerd.log"),
    async () => (await runTool("ctr", ["-a", socket, "version"], 5_000)).includes("Server"),
    30_000,
  );
  return { daemon, socket, root };
}
