/** Narrowing helpers for JSON read from deps.json and packages.lock.json files. */
export { EntryBudget, isObject, type JsonObject, parseJson, Problems, text } from "../json-values.ts";
