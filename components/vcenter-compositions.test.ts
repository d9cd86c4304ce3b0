// Wiring and validation of the vCenter compositions, with Pulumi's mocks (no engine, no vCenter).
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { validateZones, type VsphereZonesArgs } from "./vsphere-zones.js";
import { validateAccess } from "./ccm-vcenter-access.js";

// The dynamic resources serialize their provider code at registration, which needs the real
// engine (covered by test/e2e); here they are plain custom resources of the same type names.
vi.mock("./vcenter/index.js", async () => {
  const p = await import("@pulumi/pulumi");
  const make = (type: string) =>
    class extends p.CustomResource {
      declare readonly id: pulumi.Output<string>;
      declare readonly name: pulumi.Output<string>;
      declare readonly roleId: pulumi.Output<number>;
      constructor(name: string, args: object, opts?: pulumi.CustomResourceOptions) {
        super(`test:vcenter:${type}`, name, { ...args, roleId: undefined }, opts);
      }
    };
  return {
    Role: make("Role"),
    Permission: make("Permission"),
    Folder: make("Folder"),
    TagCategory: make("TagCategory"),
    Tag: make("Tag"),
    TagAttachment: make("TagAttachment"),
  };
});

const created: { type: string; name: string; inputs: Record<string, unknown>; parent?: string }[] = [];

beforeAll(() => {
  void pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const inputs = args.inputs as Record<string, unknown>;
        created.push({ type: args.type, name: args.name, inputs });
        return { id: `${args.name}-id`, state: { ...inputs, roleId: 7 } };
      },
      call: (args) => args.inputs as Record<string, unknown>,
    },
    "project",
    "stack",
    false,
  );
});

/** Registrations finish asynchronously: wait until `n` resources of `type` were created. */
async function registered(type: string, n: number): Promise<void> {
  for (let i = 0; i < 200 && created.filter((c) => c.type.endsWith(`:${type}`)).length < n; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
}

const layout: VsphereZonesArgs = {
  regions: [
    {
      name: "region-1",
      attachTo: ["/DC0"],
      zones: [
        { name: "zone-a", attachTo: ["/DC0/host/C0"] },
        { name: "zone-b", attachTo: ["/DC0/host/C1"] },
      ],
    },
    {
      name: "region-2",
      attachTo: ["/DC1"],
      zones: [
        { name: "zone-c", attachTo: ["/DC1/host/C0"] },
        { name: "zone-d", attachTo: ["/DC1/host/C1"] },
      ],
    },
  ],
};

describe("VsphereZones", () => {
  it("makes two categories, a tag per region and zone, and an attachment per path", async () => {
    const { VsphereZones } = await import("./vsphere-zones.js");
    created.length = 0;
    const z = new VsphereZones("zones", layout);
    const ids = await new Promise<Record<string, string>>((r) => z.tagIds.apply(r));
    await registered("TagAttachment", 6);
    expect(Object.keys(ids).sort()).toEqual(["region-1", "region-2", "zone-a", "zone-b", "zone-c", "zone-d"]);
    const byType = (t: string) => created.filter((c) => c.type.endsWith(`:${t}`));
    expect(
      byType("TagCategory")
        .map((c) => c.inputs.name)
        .sort(),
    ).toEqual(["k8s-region", "k8s-zone"]);
    expect(byType("Tag")).toHaveLength(6);
    expect(
      byType("TagAttachment")
        .map((c) => c.inputs.object)
        .sort(),
    ).toEqual(["/DC0", "/DC0/host/C0", "/DC0/host/C1", "/DC1", "/DC1/host/C0", "/DC1/host/C1"]);
    expect(byType("TagCategory").every((c) => c.inputs.adopt === true)).toBe(true);
  });

  it("reports every layout problem with its path", () => {
    expect(
      validateZones({
        regions: [
          {
            name: "Bad Name!",
            attachTo: [],
            zones: [
              { name: "z", attachTo: ["DC0"] },
              { name: "z", attachTo: ["/x"] },
            ],
          },
        ],
      }),
    ).toEqual([
      'regions[0].name: "Bad Name!" must be a valid label value (letters, digits, - _ ., at most 63)',
      "regions[0].attachTo: attach the region to at least one datacenter path, e.g. /DC0",
      'regions[0].zones[0]: "DC0" is not an inventory path (start with /)',
      'regions[0].zones[1].name: zone "z" is listed twice',
    ]);
    expect(validateZones({ regions: [] })).toEqual(["regions: list at least one region"]);
  });
});

describe("CcmVcenterAccess", () => {
  it("grants a read-only role on the root folder (no propagation) and on each datacenter (propagating)", async () => {
    const { CcmVcenterAccess } = await import("./ccm-vcenter-access.js");
    created.length = 0;
    const a = new CcmVcenterAccess("ccm", { principal: "VSPHERE.LOCAL\\k8s-ccm", datacenters: ["DC0", "DC1"] });
    await new Promise((r) => a.roleName.apply(r));
    await registered("Permission", 3);
    const role = created.find((c) => c.type.endsWith(":Role"));
    expect(role?.inputs.privileges).toEqual([]);
    const perms = created
      .filter((c) => c.type.endsWith(":Permission"))
      .map((c) => [c.inputs.entity, c.inputs.propagate]);
    expect(perms).toEqual([
      ["/", false],
      ["/DC0", true],
      ["/DC1", true],
    ]);
  });

  it("requires datacenter names", () => {
    expect(validateAccess({ principal: "p", datacenters: [] })).toEqual([
      "datacenters: list at least one datacenter the CCM serves",
    ]);
    expect(validateAccess({ principal: "p", datacenters: ["/DC0"] })).toEqual([
      'datacenters[0]: "/DC0" must be a datacenter name, not a path',
    ]);
  });
});

describe("VsphereCloudProvider", () => {
  const stack = (deploy?: boolean) => ({
    vcenter: {
      server: "vc.example.com",
      datacenters: ["DC0"],
      thumbprint: "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01",
    },
    ccm: { username: "k8s-ccm@vsphere.local", password: "s3cret" },
    kubernetes: { deploy },
  });
  const kubeObjects = () => created.filter((c) => c.type.startsWith("kubernetes:"));
  const names = async (p: {
    namespace: pulumi.Output<string>;
    configMapName: pulumi.Output<string>;
    secretName: pulumi.Output<string>;
  }) => ({
    namespace: await new Promise((r) => p.namespace.apply(r)),
    configMapName: await new Promise((r) => p.configMapName.apply(r)),
    secretName: await new Promise((r) => p.secretName.apply(r)),
  });

  it("with kubernetes.deploy: false makes the vCenter objects only, and reports the same object names", async () => {
    const { VsphereCloudProvider } = await import("./vsphere-cloud-provider.js");
    // Positive control: by default the Kubernetes objects are made.
    created.length = 0;
    const deployed = new VsphereCloudProvider("on", stack());
    const deployedNames = await names(deployed);
    await registered("DaemonSet", 1);
    expect(kubeObjects().map((c) => c.type)).toContain("kubernetes:apps/v1:DaemonSet");

    created.length = 0;
    const gitops = new VsphereCloudProvider("off", stack(false));
    expect(await names(gitops)).toEqual(deployedNames);
    await registered("DaemonSet", 1); // gives a DaemonSet the time it took above (it never comes)
    expect(created.filter((c) => c.type.endsWith(":Permission"))).toHaveLength(2);
    expect(kubeObjects()).toEqual([]);
  });

  it("still checks the Kubernetes arguments when it does not deploy them", async () => {
    const { VsphereCloudProvider } = await import("./vsphere-cloud-provider.js");
    const bad = { ...stack(false), kubernetes: { deploy: false, namespace: { name: "Not_A_Name" } } };
    expect(() => new VsphereCloudProvider("bad", bad)).toThrow(/namespace\.name/);
  });
});
