// Builds what the image ships: the controller and the vSphere client bundled with their
// dependencies into one ES module, dist/controller/main.js (the path bin/ loads), plus its source
// map. Why a bundle and not tsc output over node_modules: @kubernetes/client-node alone costs
// ~70 MB of resident memory when loaded whole (every API group and model), and the process must
// stay small at 1,000 Nodes (bench/RESULTS.md); the bundle keeps only what is reachable from
// controller/main.ts, whitespace-minified (names kept, so stack traces stay readable), and needs
// no node_modules at run time.
//
//   npm run build                 -> dist/controller/main.js
//   tsx controller/build.ts DIR   -> DIR/controller/main.js
import { build } from "esbuild";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = resolve(fileURLToPath(import.meta.url), "..", "..");

/** Bundles controller/main.ts into `<outDir>/controller/main.js`; returns that path. */
export async function buildBundle(outDir = join(REPO_ROOT, "dist")): Promise<string> {
  const outfile = join(outDir, "controller", "main.js");
  await build({
    entryPoints: [join(REPO_ROOT, "controller", "main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minifyWhitespace: true,
    sourcemap: "external",
    legalComments: "linked",
    logLevel: "warning",
    // Some dependencies are CommonJS and call require(): give the ES module one.
    banner: {
      js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
    },
  });
  return outfile;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildBundle(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(`built ${out}`);
}
