import { InputError } from "../../errors.ts";
import { listImages, type RuntimeImage } from "../../source/runtime/index.ts";
import { type RuntimeCommandOptions, runtimeOptionsFrom } from "../../source/runtime/options.ts";
import { textTable } from "../../report/text-table.ts";
import { exitCodeFor, exitCodes, printError } from "../exit.ts";

export interface ImagesCommandOptions extends RuntimeCommandOptions {
  runtime: string;
  format: string;
}

export async function runImages(options: ImagesCommandOptions): Promise<number> {
  try {
    if (options.format !== "table" && options.format !== "json") {
      throw new InputError(`unknown format "${options.format}"; use table or json`);
    }
    const images = await listImages(options.runtime, runtimeOptionsFrom(options));
    process.stdout.write(options.format === "json" ? `${JSON.stringify(images, null, 2)}\n` : imageTable(images));
    return exitCodes.ok;
  } catch (error) {
    printError(error);
    return exitCodeFor(error);
  }
}

function imageTable(images: readonly RuntimeImage[]): string {
  const withNamespace = images.some((image) => image.namespace !== undefined);
  const header = [...(withNamespace ? ["NAMESPACE"] : []), "NAME", "IMAGE ID", "CREATED", "SCAN WITH"];
  const rows = images.map((image) => [
    ...(withNamespace ? [image.namespace ?? ""] : []),
    image.names.length > 0 ? image.names.join(", ") : "<none>",
    image.id.replace(/^sha256:/, "").slice(0, 12),
    image.created?.slice(0, 19).replace("T", " ") ?? "",
    image.reference,
  ]);
  return `${textTable(header, rows)}\n`;
}
