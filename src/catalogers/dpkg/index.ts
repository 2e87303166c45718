import { defineCataloger } from "../../catalog/cataloger.ts";
import { parseDpkgStatus } from "./parse-dpkg-status.ts";

const statusDir = "/var/lib/dpkg/status.d/";

/** Files dpkg keeps beside a distroless status.d entry: not stanzas. */
const statusDSidecar =
  /\.(md5sums|conffiles|list|preinst|postinst|prerm|postrm|config|templates|triggers|shlibs|symbols)$/;

export const dpkgStatus = defineCataloger({
  name: "dpkg-status",
  ecosystem: "deb",
  version: 1,
  wants: {
    paths: ["/var/lib/dpkg/status", "/usr/lib/opkg/status", "/var/lib/opkg/status"],
    globs: [`${statusDir}*`],
    context: { globs: ["/usr/share/doc/*/copyright"] },
  },
  parse: (file, ctx) => {
    if (file.path.startsWith(statusDir) && statusDSidecar.test(file.path)) return { packages: [], issues: [] };
    return parseDpkgStatus(file.content, {
      database: file.path.includes("/opkg/") ? "opkg" : "dpkg",
      distro: ctx.distro,
      copyright: (name) => ctx.view.get(`/usr/share/doc/${name}/copyright`)?.content,
    });
  },
});
