// Fixture builders for the tests of the CloudControllerManager modules.
import type { CloudControllerManagerArgs, VcenterArgs } from "./args.js";

export const THUMBPRINT = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01";
export const PEM = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";

/** One vCenter entry with credentials; `over` replaces fields. */
export function vcenter(over: Partial<VcenterArgs> = {}): VcenterArgs {
  return { server: "vc.example.com", username: "k8s-ccm@vsphere.local", password: "s3cret", ...over };
}

/** Valid arguments with one vCenter; `over` replaces top-level fields. */
export function ccmArgsWith(over: Partial<CloudControllerManagerArgs> = {}): CloudControllerManagerArgs {
  return { vcenters: [vcenter({ datacenters: ["dc1"] })], ...over };
}
