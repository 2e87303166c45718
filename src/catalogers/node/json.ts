/** Narrowing helpers for JSON read from package.json files. */
export { isObject, type JsonObject, parseJson, text } from "../json-values.ts";
