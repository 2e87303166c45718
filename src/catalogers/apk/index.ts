import { defineCataloger } from "../../catalog/cataloger.ts";
import { parseApkInstalled } from "./parse-apk-installed.ts";

export const apkInstalled = defineCataloger({
  name: "apk-installed",
  ecosystem: "apk",
  version: 1,
  // usr-merged layouts may keep the database under /usr (snyk-docker-plugin reads both paths).
  wants: { paths: ["/lib/apk/db/installed", "/usr/lib/apk/db/installed"] },
  parse: (file, ctx) => parseApkInstalled(file.content, ctx.distro),
});
