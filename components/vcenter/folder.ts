// The Folder resource as the Pulumi program sees it; the logic is in folder-ops.ts.
import * as pulumi from "@pulumi/pulumi";
import { TYPE_MODULE, vcenterProvider } from "./provider.js";

/** One provider object for every instance: it is serialized once per program run. */
const provider = vcenterProvider("folder-ops");

/** The arguments of a {@link Folder}. */
export interface FolderArgs {
  /**
   * The datacenter, by name (`DC0`) or inventory path (`/DC0`, `/datacenters/DC0`). Changing it
   * replaces the folder.
   */
  datacenter: pulumi.Input<string>;
  /**
   * The folder's path under the datacenter's VM folder, e.g. `kubernetes` or `kubernetes/ccm`.
   * The parent must exist: for nested folders make one Folder per level and build the child's
   * path from the parent's `path` output, so the parent is created first. Changing the last name
   * renames the folder in place; another parent replaces it.
   */
  path: pulumi.Input<string>;
}

/**
 * A VM folder (`pulumi-nodejs:dynamic/vsphere-ccm/vcenter:Folder`). Deleting it fails while it is
 * not empty, naming how many children are in the way.
 */
export class Folder extends pulumi.dynamic.Resource {
  declare readonly datacenter: pulumi.Output<string>;
  /** The path under the datacenter's VM folder. */
  declare readonly path: pulumi.Output<string>;
  /** The full inventory path, e.g. `/DC0/vm/kubernetes`: what a {@link Permission}'s `entity` takes. */
  declare readonly inventoryPath: pulumi.Output<string>;
  /** The folder's managed object id, e.g. `group-v42`. */
  declare readonly moid: pulumi.Output<string>;

  constructor(name: string, args: FolderArgs, opts?: pulumi.CustomResourceOptions) {
    const outputs = { inventoryPath: undefined, moid: undefined };
    super(provider, name, { ...outputs, ...args }, opts, TYPE_MODULE, "Folder");
  }
}
