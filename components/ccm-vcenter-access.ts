// CcmVcenterAccess: the least-privilege vCenter access of the CCM. The CCM only reads: the
// inventory through a container view from the root folder, properties of VMs, hosts, clusters,
// datacenters, pools and folders, and tags. A role with no extra privileges carries exactly
// System.Anonymous, System.View and System.Read (vCenter adds them to every role), which is what
// those reads need; it is granted on the root folder without propagation (the container view
// starts there) and on each datacenter with propagation (everything the CCM reads lives below).
// docs/privileges.md lists each privilege and why.
import * as pulumi from "@pulumi/pulumi";
import { Permission, Role } from "./vcenter/index.js";

export interface CcmVcenterAccessArgs {
  /**
   * The vCenter principal the CCM logs in as, e.g. `VSPHERE.LOCAL\k8s-ccm`. It must exist in SSO:
   * the permissions' check looks it up, so `pulumi preview` fails early when vCenter does not know it.
   */
  principal: pulumi.Input<string>;
  /** True when the principal is an SSO group. */
  group?: boolean;
  /** Role name, default `k8s-ccm-read-only`. */
  roleName?: string;
  /** Datacenters the CCM serves, by name (`DC0`). */
  datacenters: string[];
  /** Take over a permission the principal already has on an entity instead of failing (restored on destroy). */
  adoptExisting?: boolean;
}

/** Privileges beyond the three every role carries: none. Read-only is the whole need. */
export const CCM_PRIVILEGES: readonly string[] = [];

export function validateAccess(args: CcmVcenterAccessArgs): string[] {
  const problems: string[] = [];
  if (args.datacenters.length === 0) problems.push("datacenters: list at least one datacenter the CCM serves");
  args.datacenters.forEach((d, i) => {
    if (!d || d.includes("/"))
      problems.push(`datacenters[${i}]: ${JSON.stringify(d)} must be a datacenter name, not a path`);
  });
  return problems;
}

export class CcmVcenterAccess extends pulumi.ComponentResource {
  readonly roleName: pulumi.Output<string>;
  readonly roleId: pulumi.Output<number>;

  constructor(name: string, args: CcmVcenterAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vsphere-ccm:index:CcmVcenterAccess", name, {}, opts);
    const problems = validateAccess(args);
    if (problems.length) throw new pulumi.ResourceError(`invalid CCM access:\n  ${problems.join("\n  ")}`, this);
    const p = { parent: this };
    const role = new Role(
      `${name}-role`,
      { name: args.roleName ?? "k8s-ccm-read-only", privileges: [...CCM_PRIVILEGES] },
      p,
    );
    const grant = (entity: string, propagate: boolean, key: string) =>
      new Permission(
        `${name}-${key}`,
        {
          entity,
          principal: args.principal,
          group: args.group ?? false,
          roleName: role.name,
          propagate,
          adopt: args.adoptExisting ?? false,
        },
        p,
      );
    grant("/", false, "root");
    for (const dc of args.datacenters) grant(`/${dc}`, true, `dc-${dc}`);
    this.roleName = role.name;
    this.roleId = role.roleId;
    this.registerOutputs({ roleName: this.roleName, roleId: this.roleId });
  }
}
