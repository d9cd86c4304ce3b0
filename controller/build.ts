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
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = resolve(fileURLToPath(import.meta.url), "..", "..");

/**
 * Dependencies of the `soap` package that our use of it never reaches: its own HTTP client (axios,
 * axios-ntlm: vsphere/soap/client.ts always passes our transport as `httpClient`), WS-Security
 * signing (xml-crypto, with xpath and xmldom) and MTOM multipart parsing (formidable). soap.js
 * requires them at load time, so without this they are parsed and held for nothing: about 10 MB
 * of resident memory at start (bench/RESULTS.md, "Memory"). Each is replaced by a module that
 * throws if it is ever called, so a future use fails loudly instead of silently.
 */
export const UNUSED_SOAP_DEPENDENCIES = ["axios", "axios-ntlm", "xml-crypto", "formidable"];

const STUB = `const fail = (name) => () => { throw new Error("soap: " + name + " is not bundled (see controller/build.ts)"); };
const stub = { __esModule: true, default: { create: fail("axios.create") } };
for (const k of ["SignedXml", "xpath", "create", "request", "NtlmClient"]) stub[k] = fail(k);
module.exports = stub;`;

export const stubUnusedSoapDependencies: Plugin = {
  name: "stub-unused-soap-dependencies",
  setup(b) {
    const filter = new RegExp(`^(${UNUSED_SOAP_DEPENDENCIES.join("|")})$`);
    b.onResolve({ filter }, (args) =>
      // Only where soap asks for them; anything else that needs them gets the real package.
      /[\\/]node_modules[\\/]soap[\\/]/.test(args.importer)
        ? { path: args.path, namespace: "unused-soap-dep" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "unused-soap-dep" }, () => ({ contents: STUB, loader: "js" }));
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
    plugins: [stubUnusedSoapDependencies],
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
