import { describe, expect, it } from "vitest";
import { loadConfig } from "../../controller/config/index.js";
import {
  CONFIG_DIR,
  CONFIG_FILE,
  GLOBAL_CA_KEY,
  cloudConfigMapName,
  renderCloudConfig,
  vcenterCaKey,
} from "./cloud-config.js";
import { PEM, THUMBPRINT, ccmArgsWith, vcenter } from "./fixtures.js";

const SECRET = { name: "vsphere-cloud-secret", namespace: "vsphere-cloud-controller-manager" };
const render = (...a: Parameters<typeof ccmArgsWith>) => renderCloudConfig(ccmArgsWith(...a), SECRET);
/** What the CCM itself makes of the rendered file. */
const load = (data: Record<string, string>) => loadConfig(data[CONFIG_FILE]);

describe("renderCloudConfig", () => {
  it("writes a vsphere.conf the controller loads, pointing at the credentials Secret", () => {
    const { config, warnings } = load(render());
    expect(warnings).toEqual([]);
    expect(Object.keys(config.vcenter)).toEqual(["vc.example.com"]);
    expect(config.vcenter["vc.example.com"]).toMatchObject({
      server: "vc.example.com",
      port: 443,
      datacenters: ["dc1"],
      insecureFlag: false,
      credentials: { kind: "secret", name: SECRET.name, namespace: SECRET.namespace, scope: "global" },
    });
    expect(config.vcenter["vc.example.com"].user).toBeUndefined();
  });

  it("writes only the keys the arguments set, so the controller's defaults apply", () => {
    const text = render({ vcenters: [vcenter()] })[CONFIG_FILE];
    expect(text).toContain(
      "global:\n  secretName: vsphere-cloud-secret\n  secretNamespace: vsphere-cloud-controller-manager\n",
    );
    expect(text).toContain("vcenter:\n  vc.example.com:\n    server: vc.example.com\n");
    for (const key of ["port", "insecureFlag", "caFile", "thumbprint", "datacenters", "labels", "nodes"]) {
      expect(text).not.toContain(`${key}:`);
    }
  });

  it("never writes a credential into the cloud config", () => {
    const data = render({ vcenters: [vcenter({ username: "ccm-user", password: "pw-123" })] });
    expect(JSON.stringify(data)).not.toMatch(/ccm-user|pw-123/);
  });

  it("carries global, per-vCenter, labels and nodes settings with upstream's inheritance", () => {
    const data = render({
      port: 8443,
      thumbprint: THUMBPRINT,
      vcenters: [
        vcenter({ datacenters: ["dc1", "dc2"] }),
        vcenter({ name: "lab", server: "10.0.0.2", port: 443, insecureFlag: true, thumbprint: undefined }),
      ],
      labels: { region: "k8s-region", zone: "k8s-zone" },
      nodes: { internalNetworkSubnetCidr: ["10.0.0.0/24", "fd00::/64"], externalVmNetworkName: "DMZ Network" },
    });
    // The lab entry turns checks off while the global pin reaches it: the controller keeps the pin
    // and says so (the component's validation refuses writing such a config, see validate.ts).
    const pinned = load(data);
    expect(pinned.config.vcenter.lab).toMatchObject({ insecureFlag: true, thumbprint: THUMBPRINT });
    expect(pinned.warnings.map((w) => w.key)).toEqual([expect.stringMatching(/insecureFlag/)]);
    const ok = render({
      port: 8443,
      vcenters: [
        vcenter({ datacenters: ["dc1", "dc2"], thumbprint: THUMBPRINT }),
        vcenter({ name: "lab", server: "10.0.0.2", port: 443, insecureFlag: true }),
      ],
      labels: { region: "k8s-region", zone: "k8s-zone" },
      nodes: { internalNetworkSubnetCidr: ["10.0.0.0/24", "fd00::/64"], externalVmNetworkName: "DMZ Network" },
    });
    const { config } = load(ok);
    expect(config.vcenter["vc.example.com"]).toMatchObject({ port: 8443, datacenters: ["dc1", "dc2"] });
    expect(config.vcenter["vc.example.com"].thumbprint).toBeDefined();
    expect(config.vcenter.lab).toMatchObject({ server: "10.0.0.2", port: 443, insecureFlag: true });
    expect(config.labels).toEqual({ region: "k8s-region", zone: "k8s-zone" });
    expect(config.nodes.internalNetworkSubnetCidr).toEqual(["10.0.0.0/24", "fd00::/64"]);
    expect(config.nodes.externalVmNetworkName).toBe("DMZ Network");
    // Upstream's type: a CIDR list is one comma-separated string.
    expect(ok[CONFIG_FILE]).toContain("internalNetworkSubnetCidr: 10.0.0.0/24,fd00::/64");
  });

  it("stores CA bundles beside vsphere.conf and points caFile at the mounted file", () => {
    const data = render({ caBundle: PEM, vcenters: [vcenter(), vcenter({ server: "vc2", caBundle: `${PEM}\n` })] });
    expect(data[GLOBAL_CA_KEY]).toBe(PEM);
    expect(data[vcenterCaKey(1)]).toBe(`${PEM}\n`);
    expect(data[vcenterCaKey(0)]).toBeUndefined();
    const { config } = load(data);
    expect(config.vcenter["vc.example.com"].caFile).toBe(`${CONFIG_DIR}/${GLOBAL_CA_KEY}`);
    expect(config.vcenter.vc2.caFile).toBe(`${CONFIG_DIR}/${vcenterCaKey(1)}`);
  });

  it("quotes strings YAML 1.1 would read as booleans or numbers", () => {
    const data = render({ vcenters: [vcenter({ datacenters: ["yes", "0123", "on"] })] });
    expect(load(data).config.vcenter["vc.example.com"].datacenters).toEqual(["yes", "0123", "on"]);
  });

  it("keeps IPv6 servers and entry names apart", () => {
    const { config } = load(render({ vcenters: [vcenter({ name: "lab", server: "fd00::10" })] }));
    expect(config.vcenter.lab.server).toBe("fd00::10");
  });
});

describe("cloudConfigMapName", () => {
  it("is a DNS name made of the prefix and a hash of the content", () => {
    expect(cloudConfigMapName(render())).toMatch(/^vsphere-cloud-config-[0-9a-f]{10}$/);
  });

  it("is the same for the same content, whatever the key order", () => {
    expect(cloudConfigMapName({ a: "1", b: "2" })).toBe(cloudConfigMapName({ b: "2", a: "1" }));
    expect(cloudConfigMapName(render())).toBe(cloudConfigMapName(render()));
  });

  it("changes with any change of content, CA files included", () => {
    const names = new Set([
      cloudConfigMapName(render()),
      cloudConfigMapName(render({ port: 444 })),
      cloudConfigMapName(render({ caBundle: PEM })),
      cloudConfigMapName(render({ caBundle: `${PEM}\n` })),
      cloudConfigMapName({ a: "12", b: "3" }),
      cloudConfigMapName({ a: "1", b: "23" }),
    ]);
    expect(names.size).toBe(6);
  });
});
