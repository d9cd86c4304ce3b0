// The stack config of index.ts, validated at program start: every problem is named by its key
// (`vsphere-ccm:vcenter.datacenters`) with the fix, and reported at once.
import * as pulumi from "@pulumi/pulumi";
import type { VsphereCloudProviderArgs } from "./vsphere-cloud-provider.js";

interface Raw {
  vcenter?: {
    server?: unknown;
    port?: unknown;
    datacenters?: unknown;
    thumbprint?: unknown;
    caBundle?: unknown;
    insecure?: unknown;
  };
  ccmUsername?: string;
  ccmPassword?: pulumi.Output<string>;
  ccmPrincipal?: string;
  adoptExistingPermissions?: boolean;
  vmFolder?: { datacenter?: unknown; path?: unknown };
  zones?: VsphereCloudProviderArgs["zones"];
  kubernetes?: VsphereCloudProviderArgs["kubernetes"];
}

/**
 * Where the stack config comes from: `pulumi.Config` in the program; the stack's YAML file for
 * `npm run render` (components/render/stack-file.ts), which never runs the Pulumi program.
 */
export interface StackConfigSource {
  /** The config namespace (the project name, `vsphere-ccm`). */
  readonly name: string;
  get(key: string): string | undefined;
  getObject<T>(key: string): T | undefined;
  getBoolean(key: string): boolean | undefined;
  getSecret(key: string): pulumi.Output<string> | undefined;
}

/** Problems of the plain (non-secret) config values, as `key: problem (fix)` lines. */
export function configProblems(project: string, raw: Raw, hasPassword: boolean): string[] {
  const k = (key: string) => `${project}:${key}`;
  const problems: string[] = [];
  const v = raw.vcenter;
  if (!v) problems.push(`${k("vcenter")}: missing (set server, datacenters, and thumbprint, caBundle or insecure)`);
  else {
    if (typeof v.server !== "string" || !v.server)
      problems.push(`${k("vcenter.server")}: set vCenter's host name or IP`);
    const port = Number(v.port);
    if (v.port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
      problems.push(`${k("vcenter.port")}: ${JSON.stringify(v.port)} is not a TCP port (1-65535)`);
    }
    if (
      !Array.isArray(v.datacenters) ||
      v.datacenters.length === 0 ||
      !v.datacenters.every((d) => typeof d === "string" && d)
    ) {
      problems.push(`${k("vcenter.datacenters")}: list the datacenters whose VMs are nodes, e.g. [DC0]`);
    }
    const insecure = v.insecure === true || v.insecure === "true";
    if (insecure && (v.thumbprint || v.caBundle)) {
      problems.push(`${k("vcenter.insecure")}: drop it when a thumbprint or caBundle is given`);
    }
    if (!insecure && !v.thumbprint && !v.caBundle) {
      problems.push(
        `${k("vcenter")}: set thumbprint or caBundle so the CCM can verify vCenter (insecure: true for labs only)`,
      );
    }
  }
  if (!raw.ccmUsername)
    problems.push(`${k("ccmUsername")}: set the vCenter user the CCM logs in as (it must exist in SSO)`);
  if (!hasPassword)
    problems.push(`${k("ccmPassword")}: set it with pulumi config set --secret ${k("ccmPassword")} ...`);
  const deploy = raw.kubernetes?.deploy as unknown;
  if (deploy !== undefined && typeof deploy !== "boolean" && deploy !== "true" && deploy !== "false") {
    problems.push(`${k("kubernetes.deploy")}: ${JSON.stringify(deploy)} is not true or false`);
  }
  const f = raw.vmFolder;
  if (f && (typeof f.datacenter !== "string" || typeof f.path !== "string" || !f.path)) {
    problems.push(`${k("vmFolder")}: give datacenter and path, e.g. { datacenter: DC0, path: kubernetes }`);
  }
  return problems;
}

export function readStackConfig(cfg: StackConfigSource): VsphereCloudProviderArgs {
  const raw: Raw = {
    vcenter: cfg.getObject("vcenter"),
    ccmUsername: cfg.get("ccmUsername"),
    ccmPassword: cfg.getSecret("ccmPassword"),
    ccmPrincipal: cfg.get("ccmPrincipal"),
    adoptExistingPermissions: cfg.getBoolean("adoptExistingPermissions"),
    vmFolder: cfg.getObject("vmFolder"),
    zones: cfg.getObject("zones"),
    kubernetes: cfg.getObject("kubernetes"),
  };
  const problems = configProblems(cfg.name, raw, raw.ccmPassword !== undefined);
  if (problems.length) {
    throw new pulumi.RunError(`stack config is not valid:\n  ${problems.join("\n  ")}`);
  }
  const v = raw.vcenter as Required<Raw>["vcenter"];
  return {
    vcenter: {
      server: v.server as string,
      port: v.port === undefined ? undefined : Number(v.port), // `config set --path` stores strings
      datacenters: v.datacenters as string[],
      thumbprint: v.thumbprint as string | undefined,
      caBundle: v.caBundle as string | undefined,
      insecure: v.insecure === true || v.insecure === "true" ? true : undefined,
    },
    ccm: {
      username: raw.ccmUsername as string,
      password: raw.ccmPassword as pulumi.Output<string>,
      principal: raw.ccmPrincipal,
      adoptExistingPermissions: raw.adoptExistingPermissions,
    },
    vmFolder: raw.vmFolder as VsphereCloudProviderArgs["vmFolder"],
    zones: raw.zones,
    kubernetes: raw.kubernetes && {
      ...raw.kubernetes,
      // `config set --path` stores strings
      deploy: raw.kubernetes.deploy === undefined ? undefined : String(raw.kubernetes.deploy) === "true",
    },
  };
}
