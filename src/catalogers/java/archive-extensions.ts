/** File extensions of Java archives (zip files), read at the top level and when nested. */
export const javaArchiveExtensions = ["jar", "war", "ear", "par", "sar", "nar", "jpi", "hpi", "kar", "lpkg"] as const;
