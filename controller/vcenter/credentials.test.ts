// The order of a vCenter's credentials, with the Secret read stubbed (the engine test
// test/integration/ccm-credentials.test.ts runs the same against vcsim and a real Secret).
import { describe, expect, it } from "vitest";
import type { VcenterConfig } from "../config/index.js";
import { credentialSource, type SecretReader } from "./credentials.js";

const base: VcenterConfig = {
  name: "vc1",
  server: "vc.example.com",
  port: 443,
  datacenters: [],
  insecureFlag: false,
  roundTripperCount: 3,
  ipFamily: ["ipv4"],
  credentials: { kind: "secret", namespace: "kube-system", name: "creds", scope: "global" },
};

const inline = { username: "inline-user", password: "inline-pw" };
const fromSecret = { username: "secret-user", password: "secret-pw" };

/** A Secret reader over a mutable data map, counting reads; a missing Secret answers 404. */
function secret(data: Record<string, string> | undefined) {
  const state = { data, reads: 0 };
  const read: SecretReader = () => {
    state.reads++;
    if (!state.data) return Promise.reject(Object.assign(new Error("not found"), { code: 404 }));
    return Promise.resolve(state.data);
  };
  return { state, read };
}

function logger() {
  const lines: { msg: string; fields?: Record<string, unknown> }[] = [];
  return { lines, log: { info: (msg: string, fields?: Record<string, unknown>) => void lines.push({ msg, fields }) } };
}

const keys = (c: { username: string; password: string }) => ({
  "vc.example.com.username": c.username,
  "vc.example.com.password": c.password,
});

describe("credentialSource", () => {
  it("gives the config's user/password first and reads the Secret only when vCenter rejects them", async () => {
    const s = secret(keys(fromSecret));
    const { lines, log } = logger();
    const source = credentialSource({ ...base, user: inline.username, password: inline.password }, s.read, log);
    expect(await source()).toEqual(inline);
    expect(s.state.reads).toBe(0);
    expect(await source({ rejected: inline })).toEqual(fromSecret);
    expect(s.state.reads).toBe(1);
    expect(lines.map((l) => l.msg)).toEqual([
      "vCenter rejected the user and password of the cloud config; using the credentials source",
    ]);
    expect(lines[0].fields).toEqual({ vcenter: "vc1", source: "secret kube-system/creds" });
    // From then on only the Secret, read at every login (as upstream keeps what it fetched).
    expect(await source()).toEqual(fromSecret);
    expect(s.state.reads).toBe(2);
    // The Secret's pair rejected too: read again, so a corrected Secret is tried at once.
    s.state.data = keys({ username: "secret-user", password: "rotated" });
    expect(await source({ rejected: fromSecret })).toEqual({ username: "secret-user", password: "rotated" });
    expect(JSON.stringify(lines)).not.toMatch(/pw|rotated/);
  });

  it("works with the config's pair alone when the Secret does not exist (it is never read)", async () => {
    const s = secret(undefined);
    const source = credentialSource(
      { ...base, user: inline.username, password: inline.password },
      s.read,
      logger().log,
    );
    expect(await source()).toEqual(inline);
    expect(s.state.reads).toBe(0);
    // Positive control: rejected, the missing Secret is the error, which says both things.
    await expect(source({ rejected: inline })).rejects.toThrow(
      'vCenter "vc1" rejected the user and password of the cloud config, and secret kube-system/creds: cannot be read (404)',
    );
  });

  it("reads the Secret first when the config holds no pair", async () => {
    const s = secret(keys(fromSecret));
    const source = credentialSource(base, s.read, logger().log);
    expect(await source()).toEqual(fromSecret);
    expect(s.state.reads).toBe(1);
  });

  it("lets a rejection of the config's pair stand when there is no source", async () => {
    const source = credentialSource(
      { ...base, credentials: { kind: "config" }, user: inline.username, password: inline.password },
      () => Promise.reject(new Error("never read")),
      logger().log,
    );
    expect(await source()).toEqual(inline);
    // The same answer: the session does not log in a second time.
    expect(await source({ rejected: inline })).toEqual(inline);
  });

  it("warns once about vCenter's shared session keys and logs in with the password", async () => {
    const s = secret({
      ...keys(fromSecret),
      "vc.example.com.vc-session-manager-url": "https://sessions.example.com/session",
      "vc.example.com.vc-session-manager-token": "token-s3cret",
    });
    const { lines, log } = logger();
    const source = credentialSource(base, s.read, log);
    expect(await source()).toEqual(fromSecret);
    expect(await source()).toEqual(fromSecret);
    expect(lines).toEqual(
      ["vc-session-manager-url", "vc-session-manager-token"].map((k) => ({
        msg: "vCenter credentials warning",
        fields: {
          vcenter: "vc1",
          key: `secret kube-system/creds key "vc.example.com.${k}"`,
          message:
            "vCenter's shared session service is not supported; the controller logs in with " +
            "vc.example.com.username and vc.example.com.password instead",
        },
      })),
    );
    expect(JSON.stringify(lines)).not.toMatch(/token-s3cret|sessions\.example/);
  });

  it("names the missing keys when the Secret holds only the shared session keys", async () => {
    const s = secret({
      "vc.example.com.vc-session-manager-url": "https://sessions.example.com/session",
      "vc.example.com.vc-session-manager-token": "tok",
    });
    await expect(credentialSource(base, s.read, logger().log)()).rejects.toThrow(
      'secret kube-system/creds has no credentials for vCenter "vc1": only vc.example.com.vc-session-manager-url and ' +
        "vc.example.com.vc-session-manager-token, for vCenter's shared session service, which this controller does " +
        "not support; add the keys vc.example.com.username and vc.example.com.password",
    );
  });
});
