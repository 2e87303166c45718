import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "bin/", "demo/", "web/dist/", "eslint.config.js"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true, argsIgnorePattern: "^_" }],
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/source/**", "**/image/**", "**/report/**", "**/cli/**"],
              message: "catalogers and model stay independent of sources, images and reports",
            },
          ],
        },
      ],
    },
  },
  {
    files: [
      "src/image/**",
      "src/cache/**",
      "src/source/**",
      "src/report/**",
      "src/cli/**",
      "src/scan*.ts",
      "src/upload/**",
      "src/sensor/**",
      "test/**",
      "scripts/**",
      "bench/**",
    ],
    rules: { "no-restricted-imports": "off" },
  },
  {
    files: ["backend/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                "**/src/source/**",
                "**/src/image/**",
                "**/src/catalog/**",
                "**/src/catalogers/**",
                "**/src/scan*",
                "**/src/cli/**",
              ],
              message: "the backend receives inventories; it does not scan",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["web/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/backend/**", "**/src/*", "!**/src/model", "!**/src/errors.ts", "node:*"],
              message: "the web UI talks to the HTTP API: it shares only src/model and src/errors.ts",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["**/*.test.ts", "test/**"],
    rules: {
      "@typescript-eslint/no-floating-promises": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
      // node:assert's assertion signatures narrow values, which makes later optional chains look redundant.
      "@typescript-eslint/no-unnecessary-condition": "off",
      "@typescript-eslint/require-await": "off",
    },
  },
);
