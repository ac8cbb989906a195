import js from "@eslint/js";
import ts from "typescript-eslint";
import svelte from "eslint-plugin-svelte";
import globals from "globals";
import svelteConfig from "./svelte.config.js";

export default ts.config(
  { ignores: ["node_modules/", "dist/", "dist-mock/", "test-results/", "src/lib/bindings/"] },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      "no-eval": "error",
      "no-implied-eval": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["**/*.svelte", "**/*.svelte.ts"],
    languageOptions: {
      parserOptions: { projectService: true, extraFileExtensions: [".svelte"], parser: ts.parser, svelteConfig },
    },
  },
  {
    // only backend.ts may talk to Rust
    files: ["src/**/*.ts", "src/**/*.svelte"],
    ignores: ["src/lib/backend.ts", "src/mocks/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { paths: [
          { name: "@tauri-apps/api/core", message: "Use src/lib/backend.ts" },
          { name: "@tauri-apps/api/event", message: "Use src/lib/backend.ts" },
        ] },
      ],
    },
  },
);
