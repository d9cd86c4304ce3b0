// The vCenter resources of the Pulumi program. Each is a dynamic provider over vsphere/; see
// docs/pulumi-providers.md for credentials (stack config `vsphere:*`) and how the code loads.
export { Folder, type FolderArgs } from "./folder.js";
export { Permission, type PermissionArgs } from "./permission.js";
export { Role, type RoleArgs } from "./role.js";
export { Tag, type TagArgs } from "./tag.js";
export { TagAttachment, type TagAttachmentArgs } from "./tag-attachment.js";
export { TagCategory, type TagCategoryArgs } from "./tag-category.js";
