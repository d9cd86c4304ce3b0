import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../stack-config.js";
import { placeholderFor } from "./secret-values.js";
import { readStackFile, stackFileSource } from "./stack-file.js";

const STACK = `config:
  vsphere-ccm:vcenter:
    server: vc.example.com
    port: "8443"
    datacenters: [DC1]
    thumbprint: "AA:BB"
  vsphere-ccm:ccmUsername: k8s-ccm@vsphere.local
  vsphere-ccm:ccmPassword:
    secure: v1:abc
  vsphere-ccm:kubernetes:
    deploy: "false"
    image: { repository: r, tag: t }
  vsphere:server: admin.example.com
`;

async function file(text: string): Promise<string> {
  const f = join(await mkdtemp(join(tmpdir(), "stack-file-")), "Pulumi.s.yaml");
  await writeFile(f, text);
  return f;
}

describe("stack files", () => {
  it("read like pulumi.Config: plain values, objects, and a placeholder for each secret", async () => {
    const src = stackFileSource(await readStackFile(await file(STACK)), "vsphere-ccm", placeholderFor);
    expect(src.get("ccmUsername")).toBe("k8s-ccm@vsphere.local");
    expect(src.get("ccmPassword")).toBeUndefined(); // secure: never read in clear
    expect(src.getObject<{ server: string }>("vcenter")?.server).toBe("vc.example.com");
    const args = readStackConfig(src);
    expect(args.vcenter).toMatchObject({ server: "vc.example.com", port: 8443, datacenters: ["DC1"] });
    expect(args.kubernetes).toMatchObject({ deploy: false, image: { repository: "r", tag: "t" } });
  });

  it("name the file and the fix when missing or malformed", async () => {
    await expect(readStackFile("/nonexistent/Pulumi.x.yaml")).rejects.toThrow(
      "stack config /nonexistent/Pulumi.x.yaml: cannot read it; check --stack, or pass --config-file",
    );
    await expect(readStackFile(await file("config: [1, 2]\n"))).rejects.toThrow('"config" must be a map');
    await expect(readStackFile(await file("config: {\n"))).rejects.toThrow("not valid YAML");
  });

  it("report stack config problems by key, as pulumi up does", async () => {
    const src = stackFileSource(
      await readStackFile(await file("config:\n  vsphere-ccm:kubernetes: { deploy: maybe }\n")),
      "vsphere-ccm",
      placeholderFor,
    );
    expect(() => readStackConfig(src)).toThrow(/vsphere-ccm:kubernetes.deploy: "maybe" is not true or false/);
  });
});
