import { defineCataloger, parsedWith } from "../../catalog/cataloger.ts";

export const apkInstalled = defineCataloger({
  name: "apk-installed",
  ecosystem: "apk",
  version: 1,
  // usr-merged layouts may keep the database under /usr (snyk-docker-plugin reads both paths).
  wants: { paths: ["/lib/apk/db/installed", "/usr/lib/apk/db/installed"] },
  parse: parsedWith(
    () => import("./parse-apk-installed.ts"),
    (parser, file, ctx) => parser.parseApkInstalled(file.content, ctx.distro),
  ),
});
