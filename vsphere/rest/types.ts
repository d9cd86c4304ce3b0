// Typed shapes of vCenter tagging (com.vmware.cis.tagging), as the rest of the code sees them:
// camelCase, ids as strings, attached objects as MoRefs. The wire shapes (snake_case, the /rest
// "value" wrapper) belong to routes.ts and decode.ts.
import type { MoRef } from "../types.js";

/** How many tags of one category an object may carry. */
export type Cardinality = "SINGLE" | "MULTIPLE";

export interface TagCategory {
  /** "urn:vmomi:InventoryServiceCategory:<uuid>:GLOBAL" */
  id: string;
  /** Unique among categories. */
  name: string;
  description: string;
  cardinality: Cardinality;
  /** Managed object types the tags may be attached to ("Datacenter", ...); empty means any. */
  associableTypes: string[];
  usedBy: string[];
}

export interface CategoryCreateSpec {
  name: string;
  description?: string;
  cardinality: Cardinality;
  /** Empty or absent: any type. */
  associableTypes?: string[];
}

/**
 * Fields to change; absent ones are left alone. vCenter only lets `associableTypes` grow: send the
 * current types first, in their order, then the additions.
 */
export interface CategoryUpdateSpec {
  name?: string;
  description?: string;
  cardinality?: Cardinality;
  associableTypes?: string[];
}

export interface Tag {
  /** "urn:vmomi:InventoryServiceTag:<uuid>:GLOBAL" */
  id: string;
  categoryId: string;
  /** Unique within its category. */
  name: string;
  description: string;
  usedBy: string[];
}

export interface TagCreateSpec {
  categoryId: string;
  name: string;
  description?: string;
}

/** Fields to change; absent ones are left alone. A tag cannot move to another category. */
export interface TagUpdateSpec {
  name?: string;
  description?: string;
}

/** The tags on one object, as list-attached-tags-on-objects answers. */
export interface AttachedTags {
  object: MoRef;
  tagIds: string[];
}
