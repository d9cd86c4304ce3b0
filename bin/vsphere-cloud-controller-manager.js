#!/usr/bin/env node
// Runs the CCM: the compiled build (dist/, what the image ships) when present, else the
// TypeScript sources through tsx (a checkout).
import { existsSync } from "node:fs";

const dist = new URL("../dist/controller/main.js", import.meta.url);
let mod;
if (existsSync(dist)) {
  mod = await import(dist.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  mod = await import(new URL("../controller/main.ts", import.meta.url).href);
}
process.exitCode = await mod.main(process.argv.slice(2));
