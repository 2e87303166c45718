import type { ImageDetails } from "../api/responses.ts";
import type { Choice } from "../ui/select-field.tsx";

const commandLength = 60;

/** The image's layers as filter choices: "2: COPY node_modules /app/node_modules". */
export function layerChoices(image: ImageDetails): Choice[] {
  return [
    { value: "", label: "Any layer" },
    ...image.layers.map((layer) => {
      const command = layer.createdBy ?? "";
      const short = command.length > commandLength ? `${command.slice(0, commandLength - 1)}…` : command;
      return { value: String(layer.index), label: short === "" ? `${layer.index}` : `${layer.index}: ${short}` };
    }),
  ];
}

/** The ecosystems the image has packages in, with how many. */
export function ecosystemChoices(image: ImageDetails): Choice[] {
  return [
    { value: "", label: "Any ecosystem" },
    ...[...image.ecosystems].map(([name, packages]) => ({ value: name, label: `${name} (${packages})` })),
  ];
}
