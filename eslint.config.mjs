// ESLint: typescript-eslint's type-checked recommended rules over the package's sources and the
// benchmarks; `npm run lint` (part of `npm test`) allows no warning.
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "dist-bench/**", "node_modules/**", "out/**", "test/**", "scripts/**", "*.config.*", ".jupyter-prefix/**", "src/**/assembly/**"] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { project: ["./tsconfig.json", "./tsconfig.bench.json"], tsconfigRootDir: import.meta.dirname } },
  },
);
