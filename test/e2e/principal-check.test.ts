// The Permission's principal check through the real engine (CLI, Node.js host, dynamic-provider
// host), with the program in ./vcenter against the shared vcsim: `pulumi preview` of permissions
// for a principal vCenter's directory does not know fails, naming the principal, the property
// and the fix; the same preview for one that exists passes (positive control); when vCenter
// cannot answer (the search refused with NoPermission, or the admin login refused) the preview
// passes with a warning in its output. An `up` fails the same way before any permission is set;
// what it made before that (role, folder, tags) is destroyed afterwards.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines } from "../env/context.js";
import { govcFor, type Govc } from "../env/govc.js";
import { PulumiCli } from "../env/pulumi.js";
import { clearFaults, createVcsimUser, injectFault } from "../env/vcsim.js";

const PREFIX = `e2e-pc-${process.pid}`;
const MISSING = `VSPHERE.LOCAL\\${PREFIX}-missing`;
const EXISTING = `VSPHERE.LOCAL\\${PREFIX}-ccm`;

describe("the Permission's principal check in pulumi preview", () => {
  let work: string;
  let cli: PulumiCli;
  let govc: Govc;
  const setPrincipal = (p: string) => cli.ok(["config", "set", "--stack", "pc", "principal", p]);
  const output = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;

  beforeAll(async () => {
    const { env, vcsim } = engines();
    govc = govcFor(env);
    await createVcsimUser(govc, `${PREFIX}-ccm`);
    work = await mkdtemp(join(tmpdir(), "principal-e2e-"));
    cli = new PulumiCli(join(import.meta.dirname, "vcenter"), { ...env, PULUMI_BACKEND_URL: `file://${work}` }, "pc");
    await cli.init(
      {
        prefix: PREFIX,
        datacenter: "DC0",
        principal: MISSING,
        adoptCategory: `${PREFIX}-region`,
        adoptTag: "region-1",
        "vsphere:server": vcsim.url,
        "vsphere:user": vcsim.username,
        "vsphere:caFile": vcsim.caFile,
      },
      { "vsphere:password": vcsim.password },
    );
    await cli.ok(["config", "set", "--stack", "pc", "--path", "privileges[0]", "System.Read"]);
  });

  afterAll(async () => {
    await clearFaults(engines().vcsim).catch(() => {});
    await cli?.ok(["config", "set", "--stack", "pc", "--secret", "vsphere:password", engines().vcsim.password]);
    await cli?.exec(["destroy", "--stack", "pc", "--yes"]);
    await cli?.removeStack();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("fails for a principal vCenter does not know, passes for one it knows, warns when it cannot ask", async () => {
    const missing = await cli.preview();
    expect(missing.code).not.toBe(0);
    const said = output(missing);
    // The engine names the resource and the property; our message the principal and the fix.
    expect(said).toMatch(
      /vcenter:Permission resource 'on-[a-z]+': property principal value \{.*-missing\} has a problem/,
    );
    expect(said).toContain(`user ${JSON.stringify(MISSING)} does not exist in vCenter`);
    expect(said).toContain(
      "create it in SSO first (vSphere Client: Administration > Single Sign On > Users and Groups)",
    );
    const up = await cli.exec(["up", "--stack", "pc", "--yes", "--skip-preview"]);
    expect(up.code).not.toBe(0);
    expect(output(up)).toContain(`user ${JSON.stringify(MISSING)} does not exist in vCenter`);
    const onDc = await govc.json<{ Permissions: { principal: string }[] | null }>("permissions.ls", "-json", "/DC0");
    expect((onDc.Permissions ?? []).map((p) => p.principal)).not.toContain(MISSING);

    // Positive control: the same program with a principal the directory holds.
    await setPrincipal(EXISTING);
    const existing = await cli.preview();
    expect(existing.code, output(existing)).toBe(0);
    expect(output(existing)).not.toContain("does not exist in vCenter");
    expect(output(existing)).not.toContain("could not check");

    // vCenter refuses the search itself: not a verdict, so the preview passes with a warning.
    await setPrincipal(MISSING);
    await injectFault(engines().vcsim, {
      method: "RetrieveUserGroups",
      fault: "NoPermission",
      privilege: "Authorization.ModifyPermissions",
    });
    try {
      const refused = await cli.preview();
      expect(refused.code, output(refused)).toBe(0);
      expect(output(refused)).toMatch(
        /warning: could not check in vCenter that user ".*-missing" exists \(vCenter refused the user search: the account in vsphere:user lacks Authorization.ModifyPermissions/,
      );
    } finally {
      await clearFaults(engines().vcsim);
    }

    // The same for a refused admin login: previews never need working credentials.
    const wrong = "Not-the-Passw0rd";
    await cli.ok(["config", "set", "--stack", "pc", "--secret", "vsphere:password", wrong]);
    const offline = await cli.preview();
    expect(offline.code, output(offline)).toBe(0);
    expect(output(offline)).toMatch(
      /warning: could not check in vCenter that user ".*-missing" exists \(.*cannot log in as/,
    );
    expect(output(offline)).not.toContain(wrong);
  });
});
