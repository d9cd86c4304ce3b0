// The TagAttachment resource as the Pulumi program sees it; the logic is in tag-attachment-ops.ts.
import * as pulumi from "@pulumi/pulumi";
import { TYPE_MODULE, vcenterProvider } from "./provider.js";

/** One provider object for every instance: it is serialized once per program run. */
const provider = vcenterProvider("tag-attachment-ops");

/** The arguments of a {@link TagAttachment}. */
export interface TagAttachmentArgs {
  /** The tag's id, e.g. a {@link Tag}'s `id`. Changing it replaces the attachment. */
  tagId: pulumi.Input<string>;
  /**
   * Inventory path of the object to tag, e.g. `/DC0` or `/DC0/host/cluster-1`. Changing it
   * replaces the attachment.
   */
  object: pulumi.Input<string>;
  /**
   * Reference the attachment when the tag is already on the object instead of failing; it is
   * then left attached on delete. Defaults to `false`.
   */
  adopt?: pulumi.Input<boolean>;
}

/**
 * A tag attached to an inventory object (`pulumi-nodejs:dynamic/vsphere-ccm/vcenter:TagAttachment`).
 * `pulumi refresh` notices a detachment (or the tag's deletion) done out of band.
 */
export class TagAttachment extends pulumi.dynamic.Resource {
  declare readonly tagId: pulumi.Output<string>;
  declare readonly object: pulumi.Output<string>;
  /** The object's managed object type and id, e.g. `Datacenter` and `datacenter-2`. */
  declare readonly objectType: pulumi.Output<string>;
  declare readonly objectMoid: pulumi.Output<string>;
  /** The tag was attached before and is left attached on delete. */
  declare readonly adopted: pulumi.Output<boolean>;

  constructor(name: string, args: TagAttachmentArgs, opts?: pulumi.CustomResourceOptions) {
    const outputs = { objectType: undefined, objectMoid: undefined, adopted: undefined };
    super(provider, name, { ...outputs, ...args }, opts, TYPE_MODULE, "TagAttachment");
  }
}
