/** Narrowing helpers for JSON read from package.json files. */
export { isObject, type JsonObject, text } from "../json-values.ts";
