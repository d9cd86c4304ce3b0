// The Pulumi program: reads and validates the stack config (stacks/Pulumi.<stack>.yaml), then
// builds the VsphereCloudProvider. vCenter admin credentials for creating objects are read by the
// vCenter resources themselves from `vsphere:*` config (docs/pulumi-providers.md).
import * as pulumi from "@pulumi/pulumi";
import { readStackConfig } from "./components/stack-config.js";
import { VsphereCloudProvider } from "./components/vsphere-cloud-provider.js";

const args = readStackConfig(new pulumi.Config());
const provider = new VsphereCloudProvider("vsphere", args);

export const roleName = provider.roleName;
export const folderPath = provider.folderPath;
export const tagIds = provider.tagIds;
export const namespace = provider.namespace;
export const configMapName = provider.configMapName;
export const secretName = provider.secretName;
