// Upstream's VSPHERE_* environment overrides (pkg/common/config/config.go FromEnv and
// pkg/cloudprovider/vsphere/config/config.go FromCPIEnv), applied to the document before
// inheritance, so `VSPHERE_USER` reaches every vCenter entry that does not set its own user
// (and inherits one: with a Secret, see resolve.ts `triedFirst`).
// Empty variables are ignored, as upstream does. Where upstream logs and ignores a malformed
// value, this is a problem: a typo in VSPHERE_INSECURE must not silently change TLS checks.
import { cloneDocument, labelOf, originId, setField, settingsOf } from "./document.js";
import { FIELDS } from "./schema.js";
import type { ConfigDocument, Env, Scope } from "./types.js";

/** Upstream's switch for more than one IP family (pkg/cloudprovider/vsphere/cloud.go). */
export const DUAL_STACK_GATE = "ENABLE_ALPHA_DUAL_STACK";

/** Reserved: `VSPHERE_VCENTER_PORT` is the global port, not a vCenter with id PORT (upstream mistakes it for one). */
const RESERVED_IDS = new Set(["PORT"]);

/**
 * Returns a copy of `doc` with the environment's overrides; problems (malformed values, dual stack
 * without the gate) are added to the copy's `problems`, thrown later by `resolveConfig`.
 *
 * Global: `VSPHERE_VCENTER`, `VSPHERE_VCENTER_PORT`, `VSPHERE_USER`, ... (see schema.ts `env`).
 * Per vCenter: `VSPHERE_VCENTER_<id>=<name>` adds or selects the entry `<name>`; then
 * `VCENTER_<id>_SERVER`, `_USERNAME`, `_PASSWORD`, `_PORT`, ... override its settings.
 */
export function applyEnvOverrides(doc: ConfigDocument, env: Env): ConfigDocument {
  const out = cloneDocument(doc);
  for (const spec of FIELDS) {
    if (!spec.env) continue;
    const value = env[spec.env];
    if (value === undefined || value === "") continue;
    // The first section is where a global override goes: global, labels or nodes.
    const scope = { section: spec.sections[0] } as Scope;
    setField(out, scope, spec, value, `${spec.env} (environment)`, { override: true });
  }
  for (const [id, name] of vcenterIds(env)) applyVcenter(out, env, id, name);
  checkDualStackGate(out, env);
  return out;
}

/** `VSPHERE_VCENTER_<id>` variables, sorted by id for a stable order. */
function vcenterIds(env: Env): [string, string][] {
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(env)) {
    const m = /^VSPHERE_VCENTER_(.+)$/.exec(key);
    if (!m || RESERVED_IDS.has(m[1]) || value === undefined || value.trim() === "") continue;
    out.push([m[1], value.trim()]);
  }
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function applyVcenter(doc: ConfigDocument, env: Env, id: string, name: string): void {
  const scope: Scope = { section: "vcenter", name };
  const settings = settingsOf(doc, scope);
  for (const spec of FIELDS) {
    if (!spec.vcenterEnv) continue;
    const key = `VCENTER_${id}_${spec.vcenterEnv}`;
    const value = env[key];
    if (value === undefined || value === "") continue;
    setField(doc, scope, spec, value, `${key} (environment)`, { override: true });
  }
  // Upstream gives an entry named by VSPHERE_VCENTER_<id> global's user and password unless
  // VCENTER_<id>_USERNAME/_PASSWORD say otherwise, even when it has a Secret (config.go FromEnv);
  // an entry of the file with a Secret does not inherit them (resolve.ts `triedFirst`).
  for (const field of ["user", "password"] as const) {
    if (settings[field] !== undefined || doc.global[field] === undefined) continue;
    settings[field] = doc.global[field];
    const origin = doc.origins.get(originId({ section: "global" }, field));
    if (origin !== undefined) doc.origins.set(originId(scope, field), origin);
  }
  const server = FIELDS.find((x) => x.name === "server");
  if (server && settings.server === undefined) {
    setField(doc, scope, server, name, `VSPHERE_VCENTER_${id} (environment; the name is the server)`, {
      override: true,
    });
  }
}

/** Upstream refuses more than one IP family unless ENABLE_ALPHA_DUAL_STACK is set (to anything). */
function checkDualStackGate(doc: ConfigDocument, env: Env): void {
  if (env[DUAL_STACK_GATE] !== undefined) return;
  const spec = FIELDS.find((x) => x.name === "ipFamily");
  if (!spec) return;
  const scopes: Scope[] = [
    { section: "global" },
    ...[...doc.vcenter.keys()].map((name): Scope => ({ section: "vcenter", name })),
  ];
  for (const scope of scopes) {
    const families = (settingsOf(doc, scope).ipFamily as string[] | undefined) ?? [];
    if (families.length > 1) {
      doc.problems.push({
        key: labelOf(doc, scope, spec),
        message: "lists more than one IP family (dual stack), which is an alpha feature",
        fix: `set ${DUAL_STACK_GATE}=true in the controller's environment, or list one family`,
      });
    }
  }
}
