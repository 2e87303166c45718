import { defineCataloger, parsedWith } from "../../catalog/cataloger.ts";

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
  parse: parsedWith(
    () => import("./parse-dpkg-status.ts"),
    (parser, file, ctx) => {
      if (file.path.startsWith(statusDir) && statusDSidecar.test(file.path)) return { packages: [], issues: [] };
      return parser.parseDpkgStatus(file.content, {
        database: file.path.includes("/opkg/") ? "opkg" : "dpkg",
        distro: ctx.distro,
        copyright: (name) => ctx.view.get(`/usr/share/doc/${name}/copyright`)?.content,
      });
    },
  ),
});
