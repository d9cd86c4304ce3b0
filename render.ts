// npm run render -- --stack <name> [--out DIR]: the stack's Kubernetes objects as YAML files, for
// teams that apply them with kubectl, Argo CD or Flux (README "GitOps"). The logic lives in
// components/render/.
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";
import { parseRenderArgs } from "./components/render/cli-args.js";
import { render } from "./components/render/render.js";

/** How long a render may take: one small Pulumi update, no cluster. */
const RENDER_TIMEOUT_MS = 5 * 60_000;

async function main(): Promise<void> {
  const projectDir = dirname(fileURLToPath(import.meta.url));
  const args = parseRenderArgs(process.argv.slice(2), projectDir);
  const log = (line: string) => console.error(`[render] ${line}`);
  const result = await render(args, {
    projectDir,
    env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
    log,
    signal: AbortSignal.timeout(RENDER_TIMEOUT_MS),
  });
  for (const f of result.files) console.log(`${args.out}/${f}`);
  if (result.plainSecret)
    log(`warning: the Secret file holds the vCenter password in plain text (mode 0600); keep it out of git`);
  log(`apply with: kubectl apply -f ${args.out}`);
}

main().catch((err: unknown) => {
  console.error(`render: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
