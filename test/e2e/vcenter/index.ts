// One of each vCenter resource, as the top-level program will use them: a role, a folder, the
// role granted on the folder and on a datacenter that already has other principals' entries,
// an owned category with a tag attached to the datacenter, and an existing category and tag
// adopted (the adopted tag is attached too). vCenter credentials come from the stack config
// (vsphere:*), never from resource inputs.
import * as pulumi from "@pulumi/pulumi";
import { Folder, Permission, Role, Tag, TagAttachment, TagCategory } from "../../../components/vcenter/index.js";

const cfg = new pulumi.Config();
const prefix = cfg.require("prefix");
const datacenter = cfg.require("datacenter");
const principal = cfg.require("principal");

const role = new Role("role", {
  name: `${prefix}-role`,
  privileges: cfg.requireObject<string[]>("privileges"),
});
const folder = new Folder("folder", { datacenter, path: prefix });
const onFolder = new Permission("on-folder", {
  entity: folder.inventoryPath,
  principal,
  roleId: role.roleId,
  propagate: true,
});
const onDatacenter = new Permission("on-datacenter", {
  entity: `/${datacenter}`,
  principal,
  roleName: role.name,
  propagate: false,
});

const zone = new TagCategory("zone", {
  name: `${prefix}-zone`,
  cardinality: "SINGLE",
  associableTypes: ["Datacenter", "ClusterComputeResource"],
});
const zoneA = new Tag("zone-a", { categoryId: zone.id, name: "zone-a", description: "first zone" });
const zoneAOnDc = new TagAttachment("zone-a-on-dc", { tagId: zoneA.id, object: `/${datacenter}` });

const region = new TagCategory("region", { name: cfg.require("adoptCategory"), adopt: true });
const regionTag = new Tag("region-1", { categoryName: region.name, name: cfg.require("adoptTag"), adopt: true });
const regionOnDc = new TagAttachment("region-on-dc", { tagId: regionTag.id, object: `/${datacenter}` });

export const roleId = role.roleId;
export const rolePrivileges = role.privileges;
export const folderPath = folder.inventoryPath;
export const folderMoid = folder.moid;
export const permissionOnFolder = onFolder.roleName;
export const permissionOnDatacenter = onDatacenter.roleId;
export const zoneCategoryId = zone.id;
export const zoneTagId = zoneA.id;
export const zoneAttachment = zoneAOnDc.id;
export const regionCategoryId = region.id;
export const regionAdopted = region.adopted;
export const regionTagId = regionTag.id;
export const regionTagAdopted = regionTag.adopted;
export const regionAttachment = regionOnDc.id;
