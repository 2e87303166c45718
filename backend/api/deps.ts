import type { StrataDb } from "../db/tables.ts";
import type { AdvisorySource } from "../posture/advisory-source.ts";
import type { ReevaluationResult } from "../posture/reevaluate.ts";
import type { Role, TokenStore } from "../store/tokens.ts";

export interface BackendLimits {
  /** Largest inventory upload, before and after gzip decoding (413 above it). */
  maxBodyBytes: number;
  /** Largest `limit` a list endpoint accepts. */
  maxPageSize: number;
}

export const defaultLimits: BackendLimits = {
  maxBodyBytes: 64 * 1024 * 1024,
  maxPageSize: 500,
};

/** What the HTTP API is built from; everything is passed in, nothing is read from the environment. */
export interface AppDeps {
  db: StrataDb;
  advisories: AdvisorySource;
  tokens: TokenStore;
  /**
   * What POST /admin/reevaluate runs: the server's PostureKeeper, so that it queues behind automatic
   * re-evaluations. Default: re-evaluate directly, one request's run at a time.
   */
  reevaluate?: () => Promise<ReevaluationResult>;
  limits?: Partial<BackendLimits>;
  /** Where internal errors are written (default: standard error). */
  log?: (line: string) => void;
  /** The built web UI, served outside /api/ (default: web/dist of this package). */
  uiDir?: string;
}

export interface AppEnv {
  Variables: { role: Role };
}
