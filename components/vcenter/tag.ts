// The Tag resource as the Pulumi program sees it; the logic is in tag-ops.ts.
import * as pulumi from "@pulumi/pulumi";
import { TYPE_MODULE, vcenterProvider } from "./provider.js";

/** One provider object for every instance: it is serialized once per program run. */
const provider = vcenterProvider("tag-ops");

/** The arguments of a {@link Tag}. Set exactly one of `categoryId` and `categoryName`. */
export interface TagArgs {
  /** The tag's name, unique within its category, e.g. `zone-a`. Changes rename it in place. */
  name: pulumi.Input<string>;
  /** Free text. Defaults to empty. Changes update in place. */
  description?: pulumi.Input<string>;
  /** The category by id, e.g. a {@link TagCategory}'s `id`. Another category replaces the tag. */
  categoryId?: pulumi.Input<string>;
  /** The category by name, e.g. `k8s-zone`. Another category replaces the tag. */
  categoryName?: pulumi.Input<string>;
  /**
   * Reference an existing tag of this name in the category instead of failing: its id is output,
   * `adopted` is true, and the stack never changes or deletes it. When none exists the tag is
   * made (and owned) as usual. Defaults to `false`.
   */
  adopt?: pulumi.Input<boolean>;
}

/**
 * A tag (`pulumi-nodejs:dynamic/vsphere-ccm/vcenter:Tag`); its id is vCenter's
 * (`urn:vmomi:InventoryServiceTag:…`). `pulumi refresh` notices a tag deleted out of band.
 * Deleting an owned tag also detaches it everywhere (vCenter does that).
 */
export class Tag extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string>;
  /** The category's id, whichever way the arguments named it. */
  declare readonly categoryId: pulumi.Output<string>;
  /** The category's name, whichever way the arguments named it. */
  declare readonly categoryName: pulumi.Output<string>;
  /** The tag existed and is referenced, not owned. */
  declare readonly adopted: pulumi.Output<boolean>;

  constructor(name: string, args: TagArgs, opts?: pulumi.CustomResourceOptions) {
    const outputs = { description: undefined, categoryId: undefined, categoryName: undefined, adopted: undefined };
    super(provider, name, { ...outputs, ...args }, opts, TYPE_MODULE, "Tag");
  }
}
