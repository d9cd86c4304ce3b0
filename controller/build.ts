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
import { build, type Plugin } from "esbuild";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = resolve(fileURLToPath(import.meta.url), "..", "..");

/**
 * Dependencies that are loaded but never reached from the controller, by the package that asks
 * for them. Each is replaced, for that importer only, by a module that throws if it is ever
 * called, so a future use fails loudly. Measured cost at start in bench/RESULTS.md ("Memory").
 * - soap requires its own HTTP client (axios, axios-ntlm), WS-Security signing (xml-crypto, with
 *   xpath and xmldom) and MTOM multipart parsing (formidable) at load time; vsphere/soap/client.ts
 *   always passes our transport as `httpClient`, and we never sign or parse MTOM.
 * - node-fetch 2 (under @kubernetes/client-node) imports whatwg-url (with tr46's Unicode tables)
 *   as a fallback for runtimes without a global URL; Node has one, so it takes `Url.URL`.
 */
export const UNUSED_DEPENDENCIES: { module: string; importer: string }[] = [
  ...["axios", "axios-ntlm", "xml-crypto", "formidable"].map((module) => ({ module, importer: "soap" })),
  { module: "whatwg-url", importer: "node-fetch" },
];

const STUB = `const fail = (name) => () => { throw new Error("not bundled: " + name + " (see controller/build.ts)"); };
const stub = { __esModule: true, default: { create: fail("axios.create") } };
for (const k of ["SignedXml", "xpath", "create", "request", "NtlmClient", "parseURL"]) stub[k] = fail(k);
module.exports = stub;`;

const inPackage = (file: string, pkg: string) => file.includes(`/node_modules/${pkg}/`);

export const stubUnusedDependencies: Plugin = {
  name: "stub-unused-dependencies",
  setup(b) {
    const filter = new RegExp(`^(${[...new Set(UNUSED_DEPENDENCIES.map((d) => d.module))].join("|")})$`);
    b.onResolve({ filter }, (args) =>
      // Only where the listed importer asks; anything else that needs the package gets it.
      UNUSED_DEPENDENCIES.some(
        (d) => d.module === args.path && inPackage(args.importer.replace(/\\/g, "/"), d.importer),
      )
        ? { path: args.path, namespace: "unused-dependency" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "unused-dependency" }, () => ({ contents: STUB, loader: "js" }));
  },
};

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
    plugins: [stubUnusedDependencies],
    // Some dependencies are CommonJS and call require(): give the ES module one.
    banner: {
      js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
    },
  });
  await assertAscii(outfile);
  return outfile;
}

/**
 * V8 keeps a script's source for as long as its functions live, as a one-byte string when every
 * character is Latin-1 and as a two-byte string otherwise: one stray "µ" in a regular expression
 * (esbuild escapes non-ASCII in strings but leaves regular expression literals as written) doubled
 * the bundle's 2.7 MB in the heap (bench/RESULTS.md, "Memory"). Write such characters as \u escapes.
 */
export async function assertAscii(file: string): Promise<void> {
  const text = await readFile(file, "utf8");
  // eslint-disable-next-line no-control-regex
  const m = /[^\x00-\x7f]/.exec(text);
  if (!m) return;
  const line = text.slice(0, m.index).split("\n").length;
  const around = text.slice(Math.max(0, m.index - 40), m.index + 40);
  throw new Error(
    `${file}:${line}: non-ASCII character U+${m[0].codePointAt(0)?.toString(16).padStart(4, "0")} in the bundle, near ${JSON.stringify(around)}; write it as a \\u escape in the source`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildBundle(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(`built ${out}`);
}
