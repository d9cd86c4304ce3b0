// The Permission resource as the Pulumi program sees it; the logic is in permission-ops.ts.
import * as pulumi from "@pulumi/pulumi";
import { TYPE_MODULE, vcenterProvider } from "./provider.js";

/** One provider object for every instance: it is serialized once per program run. */
const provider = vcenterProvider("permission-ops");

/** The arguments of a {@link Permission}. Set exactly one of `roleName` and `roleId`. */
export interface PermissionArgs {
  /**
   * Inventory path of the object the permission is defined on, e.g. `/DC0`, `/DC0/vm/kubernetes`
   * or `/DC0/host/cluster-1`. Changing it replaces the permission.
   */
  entity: pulumi.Input<string>;
  /**
   * The user or group, e.g. `VSPHERE.LOCAL\\k8s-ccm`. Compared without regard to case, as vCenter
   * does. It must exist in vCenter's directory (SSO): `check` looks a new one up, so a preview
   * fails naming it when it does not. Changing it replaces the permission.
   */
  principal: pulumi.Input<string>;
  /** Whether `principal` is a group. Defaults to `false`. Changing it replaces the permission. */
  group?: pulumi.Input<boolean>;
  /** The role by name, e.g. `ReadOnly` or a {@link Role}'s `name`. Changes update in place. */
  roleName?: pulumi.Input<string>;
  /** The role by id, e.g. a {@link Role}'s `roleId`. Changes update in place. */
  roleId?: pulumi.Input<number>;
  /** Whether the permission applies to the entity's descendants too. Defaults to `true`. */
  propagate?: pulumi.Input<boolean>;
  /**
   * Take over an entry the principal already has on the entity. Without it, creating the
   * permission fails when such an entry exists. An adopted entry gets this resource's role and
   * propagate flag, and its previous ones back when the resource is deleted. Defaults to `false`.
   */
  adopt?: pulumi.Input<boolean>;
}

/**
 * One principal's permission on one inventory object
 * (`pulumi-nodejs:dynamic/vsphere-ccm/vcenter:Permission`). It manages only that principal's
 * entry: other principals' permissions on the entity are never changed or removed.
 */
export class Permission extends pulumi.dynamic.Resource {
  declare readonly entity: pulumi.Output<string>;
  declare readonly principal: pulumi.Output<string>;
  declare readonly group: pulumi.Output<boolean>;
  /** The role's name, whichever way the arguments named it. */
  declare readonly roleName: pulumi.Output<string>;
  /** The role's id, whichever way the arguments named it. */
  declare readonly roleId: pulumi.Output<number>;
  declare readonly propagate: pulumi.Output<boolean>;
  /** The entity's managed object type and id, e.g. `Folder` and `group-v42`. */
  declare readonly entityType: pulumi.Output<string>;
  declare readonly entityMoid: pulumi.Output<string>;
  /** The entry adopted at creation, put back on delete; absent when the resource made the entry. */
  declare readonly adoptedFrom: pulumi.Output<{ principal: string; roleId: number; propagate: boolean } | undefined>;

  constructor(name: string, args: PermissionArgs, opts?: pulumi.CustomResourceOptions) {
    const outputs = { roleName: undefined, roleId: undefined, entityType: undefined, entityMoid: undefined };
    super(provider, name, { ...outputs, adoptedFrom: undefined, ...args }, opts, TYPE_MODULE, "Permission");
  }
}
