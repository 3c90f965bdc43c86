// For repository authors (re-exported by the package entry point, src/index.ts).

// For the CLI.
export type { InitRepoOptions, InitRepoResult, TemplateName } from "./init-repo.js";
export { GITIGNORE, initRepo, projectNameOf, TEMPLATES } from "./init-repo.js";
export type { RepoDataResult } from "./repo-data.js";
export { ensureRepoData } from "./repo-data.js";
export type { WriteParquetOptions } from "./write-parquet.js";
export { writeParquet } from "./write-parquet.js";
