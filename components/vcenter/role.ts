// The Role resource as the Pulumi program sees it; the logic is in role-ops.ts.
import * as pulumi from "@pulumi/pulumi";
import { TYPE_MODULE, vcenterProvider } from "./provider.js";

/** One provider object for every instance: it is serialized once per program run. */
const provider = vcenterProvider("role-ops");

/** The arguments of a {@link Role}. */
export interface RoleArgs {
  /**
   * The role's name, unique among vCenter's roles. Changing it renames the role in place.
   */
  name: pulumi.Input<string>;
  /**
   * Privilege ids the role grants, e.g. `VirtualMachine.Config.AddNewDisk`. Order and duplicates
   * do not matter. vCenter adds `System.Anonymous`, `System.Read` and `System.View` to every
   * role by itself; listing them is allowed and changes nothing. Changes update the role in place.
   * `[]` makes a role with only those three.
   */
  privileges: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * A vCenter role (`pulumi-nodejs:dynamic/vsphere-ccm/vcenter:Role`). `pulumi refresh` reports
 * privileges changed out of band, and a role deleted out of band; `pulumi up` repairs both.
 * Deleting it fails while a permission still uses it.
 */
export class Role extends pulumi.dynamic.Resource {
  /** The role's name. */
  declare readonly name: pulumi.Output<string>;
  /** The role's privileges, sorted, without the three system privileges vCenter adds. */
  declare readonly privileges: pulumi.Output<string[]>;
  /** vCenter's id of the role, for a {@link Permission}'s `roleId`. */
  declare readonly roleId: pulumi.Output<number>;

  constructor(name: string, args: RoleArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...args, roleId: undefined }, opts, TYPE_MODULE, "Role");
  }
}
