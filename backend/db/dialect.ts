/** The two SQL databases the backend runs on. */
export type DialectName = "sqlite" | "postgres";
