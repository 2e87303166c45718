import { defineCataloger, parsedWith } from "../../catalog/cataloger.ts";

/** Container images hold rpm databases of a few to tens of MB; a large host with thousands of packages some 150 MB. */
const maxDatabaseBytes = 256 * 1024 * 1024;

const directories = ["/var/lib/rpm", "/usr/lib/sysimage/rpm"];
const databases = ["Packages", "Packages.db", "rpmdb.sqlite"];

export const rpmDb = defineCataloger({
  name: "rpm-db",
  ecosystem: "rpm",
  version: 1,
  // Fedora and openSUSE moved the database to /usr/lib/sysimage/rpm (with /var/lib/rpm a symlink).
  wants: {
    paths: directories.flatMap((dir) => databases.map((file) => `${dir}/${file}`)),
    maxBytes: maxDatabaseBytes,
  },
  parse: parsedWith(
    () => import("./parse-rpm-db.ts"),
    (parser, file, ctx) => parser.parseRpmDb(file.content, ctx.distro),
  ),
});
