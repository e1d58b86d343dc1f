// Stylesheets imported for their side effect; esbuild bundles them next to the script (scripts/build.mjs).
declare module "*.css";
