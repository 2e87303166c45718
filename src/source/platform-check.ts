import { InputError } from "../errors.ts";
import { choosePlatform, formatPlatform, type Platform, parsePlatform } from "./platform.ts";

/**
 * A source that holds a single image has nothing to choose, so the platform is only checked when one was
 * asked for: scanning an arm64 image as linux/amd64 would report the wrong thing.
 */
export function checkSingleImagePlatform(
  requested: string | undefined,
  actual: Platform | undefined,
  reference: string,
): void {
  if (requested === undefined || actual === undefined) return;
  const wanted = parsePlatform(requested);
  if (choosePlatform(wanted, [actual]) === undefined) {
    throw new InputError(
      `${reference} is a ${formatPlatform(actual)} image, not ${formatPlatform(wanted)}; pass --platform ${formatPlatform(actual)} to scan it`,
    );
  }
}
