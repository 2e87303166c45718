/** What scanForSensor and its worker (scan-worker.ts) say to each other: plain data only. */
import { InputError, InternalError, LimitError, SourceError } from "../errors.ts";
import type { Inventory } from "../model/inventory.ts";
import type { SensorScan } from "./scan-in-thread.ts";

/** To the worker: close the source and stop. */
export interface StopMessage {
  kind: "stop";
}

/** An error as it crosses the thread: classes do not survive a structured clone, their names do. */
export interface ErrorReport {
  name: string;
  message: string;
  stack?: string;
}

export type ScanReply =
  | { kind: "done"; inventory: Inventory }
  | { kind: "stopped" }
  | { kind: "failed"; error: ErrorReport };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

export function isStopMessage(value: unknown): value is StopMessage {
  return isRecord(value) && value["kind"] === "stop";
}

export function isSensorScan(value: unknown): value is SensorScan {
  return (
    isRecord(value) &&
    typeof value["reference"] === "string" &&
    isRecord(value["source"]) &&
    isRecord(value["env"]) &&
    (value["cacheDir"] === undefined || typeof value["cacheDir"] === "string")
  );
}

/** Trusts the worker for the inventory's inner shape: both sides run this same code. */
export function isScanReply(value: unknown): value is ScanReply {
  if (!isRecord(value)) return false;
  switch (value["kind"]) {
    case "done": {
      const inventory = value["inventory"];
      return isRecord(inventory) && isRecord(inventory["image"]) && Array.isArray(inventory["packages"]);
    }
    case "stopped":
      return true;
    case "failed": {
      const error = value["error"];
      return (
        isRecord(error) &&
        typeof error["name"] === "string" &&
        typeof error["message"] === "string" &&
        (error["stack"] === undefined || typeof error["stack"] === "string")
      );
    }
    default:
      return false;
  }
}

export function reportError(error: unknown): ErrorReport {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  return { name: error.name, message: error.message, ...(error.stack === undefined ? {} : { stack: error.stack }) };
}

/** The error again, of its class when it is one of Strata's (the exit code depends on it), with the worker's stack. */
export function reviveError(report: ErrorReport): Error {
  const error = errorOfClass(report);
  if (report.stack !== undefined) error.stack = report.stack;
  return error;
}

function errorOfClass({ name, message }: ErrorReport): Error {
  switch (name) {
    case "InputError":
      return new InputError(message);
    case "LimitError":
      return new LimitError(message);
    case "SourceError":
      return new SourceError(message);
    case "InternalError":
      return new InternalError(message);
    case "AbortError":
      return new DOMException(message, "AbortError");
    default: {
      const error = new Error(message);
      error.name = name;
      return error;
    }
  }
}
