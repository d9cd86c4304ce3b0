// The TagCategory resource as the Pulumi program sees it; the logic is in tag-category-ops.ts.
import * as pulumi from "@pulumi/pulumi";
import { TYPE_MODULE, vcenterProvider } from "./provider.js";

/** One provider object for every instance: it is serialized once per program run. */
const provider = vcenterProvider("tag-category-ops");

/** The arguments of a {@link TagCategory}. */
export interface TagCategoryArgs {
  /** The category's name, unique in vCenter, e.g. `k8s-zone`. Changes rename it in place. */
  name: pulumi.Input<string>;
  /** Free text. Defaults to empty. Changes update in place. */
  description?: pulumi.Input<string>;
  /**
   * How many of the category's tags one object may carry: `SINGLE` (the default) or `MULTIPLE`.
   * vCenter changes SINGLE to MULTIPLE in place; the other way replaces the category.
   */
  cardinality?: pulumi.Input<"SINGLE" | "MULTIPLE">;
  /**
   * Managed object types the tags may be attached to, e.g. `["Datacenter",
   * "ClusterComputeResource"]`; empty (the default) means any. Adding types updates in place;
   * removing one replaces the category.
   */
  associableTypes?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Reference an existing category of this name instead of failing: its id is output, `adopted`
   * is true, and the stack never changes or deletes it. When none exists the category is made
   * (and owned) as usual. Defaults to `false`.
   */
  adopt?: pulumi.Input<boolean>;
}

/**
 * A tag category (`pulumi-nodejs:dynamic/vsphere-ccm/vcenter:TagCategory`); its id is vCenter's
 * (`urn:vmomi:InventoryServiceCategory:…`). Deleting an owned category fails while it holds tags.
 */
export class TagCategory extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string>;
  declare readonly cardinality: pulumi.Output<"SINGLE" | "MULTIPLE">;
  declare readonly associableTypes: pulumi.Output<string[]>;
  /** The category existed and is referenced, not owned. */
  declare readonly adopted: pulumi.Output<boolean>;

  constructor(name: string, args: TagCategoryArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      { description: undefined, cardinality: undefined, associableTypes: undefined, adopted: undefined, ...args },
      opts,
      TYPE_MODULE,
      "TagCategory",
    );
  }
}
