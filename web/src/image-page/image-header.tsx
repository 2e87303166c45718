import type { ImageDetails } from "../api/responses.ts";
import { dateTime, distroLabel } from "../ui/format.ts";
import { SeverityTally } from "../ui/severity-badges.tsx";

/** What the image is: reference, digests, platform, distro, dates, and its findings by severity. */
export function ImageHeader({ image }: { image: ImageDetails }) {
  const otherTags = image.tags.filter((tag) => tag !== image.reference);
  return (
    <header class="image-header" data-testid="image-header">
      <h1 data-testid="image-reference">{image.reference}</h1>
      {otherTags.length > 0 ? <p class="minor">Also tagged {otherTags.join(", ")}</p> : null}
      <dl class="facts">
        <dt>Digest</dt>
        <dd>
          <code data-testid="image-digest">{image.id}</code>
        </dd>
        {image.manifestDigest !== null && image.manifestDigest !== image.id ? (
          <>
            <dt>Manifest</dt>
            <dd>
              <code>{image.manifestDigest}</code>
            </dd>
          </>
        ) : null}
        <dt>Platform</dt>
        <dd data-testid="image-platform">{image.platform ?? "—"}</dd>
        <dt>Distro</dt>
        <dd data-testid="image-distro">{distroLabel(image.distro)}</dd>
        <dt>Created</dt>
        <dd>{dateTime(image.created)}</dd>
        <dt>Last seen</dt>
        <dd>{dateTime(image.lastSeen)}</dd>
        <dt>Findings</dt>
        <dd>
          <SeverityTally counts={image.severities} />
        </dd>
      </dl>
    </header>
  );
}
