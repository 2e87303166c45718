import { Command, CommanderError, Option } from "@commander-js/extra-typings";
import { strataVersion } from "../version.ts";
import { exitCodeFor, printError } from "./exit.ts";

const program = new Command()
  .name("strata")
  .description("Inventories every package in every layer of a container image.")
  .version(strataVersion)
  .exitOverride()
  .configureOutput({
    outputError: (text, write) => {
      write(text);
    },
  });

program
  .command("scan")
  .description(
    "Scan an image: a docker-save tarball, an OCI layout directory or archive, a root filesystem directory,\n" +
      "or an image in a registry. IMAGE may carry a transport: docker-archive:PATH, oci-archive:PATH,\n" +
      "oci:PATH[:REF], dir:PATH, registry:NAME[:TAG|@DIGEST], docker:NAME, containerd:NAME, crio:NAME (or podman:);\n" +
      "a bare NAME[:TAG] that is not a path is a registry image.",
  )
  .argument("<image>", "image reference or path")
  .option("-f, --format <format>", "report format: table, json, cyclonedx-json, spdx-json or sarif", "table")
  .option("-o, --output <file>", "write the report to a file instead of standard output")
  .option("--platform <os/arch[/variant]>", "platform to pick from a multi-platform image (default linux/amd64)")
  .option("-q, --quiet", "no progress and no warnings on standard error")
  .option("--no-verify-digests", "do not check layer blobs against their digests")
  .option("--username <name>", "registry user name; the password comes from --password-stdin")
  .option("--password-stdin", "read the registry password or token from standard input")
  .option(
    "--insecure",
    "allow plain HTTP and unverified TLS for the registry (loopback registries may use HTTP anyway)",
  )
  .option(
    "--ca-file <file>",
    "PEM certificates of authorities to trust for registries, besides the defaults, $SSL_CERT_FILE and $SSL_CERT_DIR",
  )
  .option("--cert-file <file>", "PEM client certificate for registries that require one (mutual TLS)")
  .option("--key-file <file>", "private key (PEM) of --cert-file")
  .option(
    "--certs-dir <dir>",
    "registry TLS per host: a folder HOST[:PORT] holding *.crt CAs and a .cert/.key client pair (default: $HOME/.config/containers/certs.d, /etc/containers/certs.d, /etc/docker/certs.d)",
  )
  .option(
    "--namespace <namespace>",
    "containerd namespace for containerd: images (default: $CONTAINERD_NAMESPACE, else k8s.io if it has the image, then default)",
  )
  .option("--containerd-root <dir>", "containerd's root directory (default /var/lib/containerd)")
  .option(
    "--storage-root <dir>",
    "containers-storage root for containers-storage:, podman: and crio: images (default from storage.conf)",
  )
  .option(
    "--ignore-file <path>",
    "accepted findings to leave out: a YAML or JSON list of { id, package?, reason, expires? }",
  )
  .option("--db <path>", "advisory database (default: $XDG_CACHE_HOME/strata/osv.sqlite)")
  .option("--cache-dir <dir>", "per-layer result cache (default: $XDG_CACHE_HOME/strata/layers)")
  .option("--no-cache", "read every layer, even ones scanned before")
  .option("--no-vulns", "inventory only: do not look packages up in the advisory database")
  .option("--detection <type>", "only findings of this detection type: os or sca")
  .option("--fail-on <severity>", "exit 4 when a finding is at least this severe: low, medium, high or critical")
  .option("--offline", "never download: use the advisory database as it is")
  .option("--upload <url>", "then upload the inventory to this Strata backend (exit 5 if that fails)")
  .option("--token <token>", "the backend's sensor token for --upload (default: $STRATA_TOKEN, which ps cannot show)")
  .addOption(new Option("--db-url <url>", "base URL of the OSV zips (default: osv.dev, or $STRATA_OSV_URL)").hideHelp())
  .action(async (image, options) => {
    const { runScan } = await import("./commands/scan.ts");
    process.exitCode = await runScan(image, options);
  });

program
  .command("server")
  .description("Run the Strata backend: sensors upload inventories, users read the posture over the HTTP API.")
  .requiredOption(
    "--database <url>",
    "where images and findings are kept: sqlite:PATH or postgres://user:password@host/db",
  )
  .option("--advisory-db <path>", "advisory database (default: $XDG_CACHE_HOME/strata/osv.sqlite)")
  .option("--host <address>", "address to listen on", "127.0.0.1")
  .option("--port <port>", "port to listen on", "8080")
  .option("--create-token <role>", "create an API token (sensor, user or admin), print it and exit")
  .option("--token-name <name>", "a label kept with the token made by --create-token")
  .option("--reevaluate", "match every stored inventory against the advisory database again, then exit")
  .option("--list-tokens", "list the API tokens (id, name, role, created, last used) and exit")
  .option("--revoke-token <id-or-name>", "revoke an API token by its id (tok_…) or its name, and exit")
  .option("--offline", "never download advisory updates: use the advisory database as it is")
  .option(
    "--advisory-update-interval <duration>",
    "update the advisories the stored images need when older than this (24h, 6h, 30m…)",
    "24h",
  )
  .option(
    "--advisory-check-interval <duration>",
    "how often to look for changed advisories and re-evaluate (60s…)",
    "60s",
  )
  .addOption(new Option("--db-url <url>", "base URL of the OSV zips (default: osv.dev, or $STRATA_OSV_URL)").hideHelp())
  .action(async (options) => {
    const { runServer } = await import("./commands/server.ts");
    process.exitCode = await runServer(options);
  });

program
  .command("sensor")
  .description(
    "Watch images and upload their inventories to a Strata backend. Modes: general (the host's Docker, " +
      "containerd and CRI-O images), registry (every repository and tag of a registry), ci (one image, judged by " +
      "--fail-on). Every option can also be set in --config (YAML or JSON, camelCase keys) or as " +
      "STRATA_SENSOR_<KEY>, the token as STRATA_TOKEN; options win over the environment, which wins over the file.",
  )
  .option("--mode <mode>", "general, registry or ci (default general)")
  .option("--config <file>", "settings file, YAML or JSON (default: $STRATA_SENSOR_CONFIG)")
  .option("--url <url>", "the backend's base URL")
  .option("--token <token>", "a sensor token (prefer $STRATA_TOKEN: ps shows options)")
  .option("--interval <duration>", "time between passes: 30s, 5m, 1h (default 5m)")
  .option("--once", "general and registry: one pass, flush the queue, exit")
  .option("--data-dir <dir>", "upload queue and scan state (default: $XDG_STATE_HOME/strata/sensor)")
  .option("--log-level <level>", "fatal, error, warn, info, debug, trace or silent (default info)")
  .option(
    "--runtime <name>",
    "general: docker, containerd or crio; repeatable (default: those found on this host)",
    (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
  )
  .option("--docker-host <address>", "Docker Engine address (default: $DOCKER_HOST, else /var/run/docker.sock)")
  .option("--containerd-root <dir>", "containerd's root directory (default /var/lib/containerd)")
  .option("--namespace <namespace>", "containerd namespace (default: all)")
  .option("--storage-root <dir>", "containers-storage root for crio (default from storage.conf)")
  .option("--registry <host>", "registry: the registry to crawl, host[:port]")
  .option(
    "--repository <glob>",
    "registry: only repositories matching this glob; repeatable",
    (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
  )
  .option(
    "--tag <glob>",
    "registry: only tags matching this glob; repeatable",
    (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
  )
  .option("--registry-username <name>", "registry user (default: the docker config's credentials)")
  .option("--registry-password <password>", "registry password (prefer $STRATA_SENSOR_REGISTRY_PASSWORD)")
  .option("--insecure", "registry: allow plain HTTP and unverified TLS")
  .option("--ca-file <file>", "registry: PEM certificates of authorities to trust besides the bundled ones")
  .option("--cert-file <file>", "registry: PEM client certificate for registries that require one (mutual TLS)")
  .option("--key-file <file>", "registry: private key (PEM) of --cert-file")
  .option("--platform <os/arch[/variant]>", "platform to pick from multi-platform images (default linux/amd64)")
  .option("--image <reference>", "ci: the image to scan")
  .option("--fail-on <severity>", "ci: exit 4 when a finding is at least this severe: low, medium, high or critical")
  .option("--ignore-file <path>", "ci: accepted findings, as for scan --ignore-file")
  .option("--db <path>", "ci: advisory database (default: $XDG_CACHE_HOME/strata/osv.sqlite)")
  .option("--offline", "ci: never download advisories")
  .option("--flush-timeout <duration>", "ci and --once: how long to try to deliver queued inventories (default 30s)")
  .option("--cache-dir <dir>", "per-layer result cache (default: $XDG_CACHE_HOME/strata/layers)")
  .option("--queue-max-entries <n>", "queued inventories kept at most; the oldest are dropped (default 1000)")
  .option("--queue-max-bytes <size>", "queue size at most, such as 1GiB (default 256MiB)")
  .action(async (options) => {
    const { runSensorCommand } = await import("./commands/sensor.ts");
    process.exitCode = await runSensorCommand(options);
  });

program
  .command("images")
  .description("List the images a host runtime holds, each with the reference that scans it.")
  .requiredOption("--runtime <runtime>", "docker, containerd, or crio / podman / containers-storage")
  .option("-f, --format <format>", "table or json", "table")
  .option("--namespace <namespace>", "containerd namespace (default: all)")
  .option("--containerd-root <dir>", "containerd's root directory (default /var/lib/containerd)")
  .option("--storage-root <dir>", "containers-storage root (default from storage.conf)")
  .action(async (options) => {
    const { runImages } = await import("./commands/images.ts");
    process.exitCode = await runImages(options);
  });

program
  .command("cache")
  .description("Manage the per-layer result cache.")
  .command("clean")
  .description("Delete every cached layer result.")
  .option("--cache-dir <dir>", "cache folder (default: $XDG_CACHE_HOME/strata/layers)")
  .action(async (options) => {
    const { runCacheClean } = await import("./commands/cache.ts");
    process.exitCode = await runCacheClean(options);
  });

const db = program.command("db").description("Manage the advisory database (OSV records in SQLite).");
db.command("import")
  .description("Import osv.dev exports: <Ecosystem>/all.zip files, or folders laid out like osv.dev's bucket.")
  .argument("<paths...>", "zip files or folders")
  .option("--db <path>", "advisory database (default: $XDG_CACHE_HOME/strata/osv.sqlite)")
  .action(async (paths, options) => {
    const { runDbImport } = await import("./commands/db.ts");
    process.exitCode = await runDbImport(paths, options);
  });

db.command("update")
  .description(
    "Download osv.dev's <Ecosystem>/all.zip for each ecosystem and import what changed.\n" +
      "Without --ecosystem, every ecosystem already in the database is updated.",
  )
  .option(
    "--ecosystem <name>",
    "OSV ecosystem: Debian, Ubuntu, Alpine, AlmaLinux, Rocky Linux, openSUSE, PyPI, npm, Go, crates.io, Packagist, RubyGems, Maven, NuGet... (repeatable)",
    (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
  )
  .option("--db <path>", "advisory database (default: $XDG_CACHE_HOME/strata/osv.sqlite)")
  .option("-q, --quiet", "no progress on standard error")
  .addOption(new Option("--db-url <url>", "base URL of the OSV zips (default: osv.dev, or $STRATA_OSV_URL)").hideHelp())
  .action(async (options) => {
    const { runDbUpdate } = await import("./commands/db-update.ts");
    process.exitCode = await runDbUpdate(options);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    printError(error);
    process.exitCode = exitCodeFor(error);
  }
}
