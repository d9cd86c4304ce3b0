import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadCredentialsDirectory, parseCredentials, readSecretsDirectory } from "./credentials.js";
import { ConfigError } from "./errors.js";
import { messageOf, problemsOf } from "./fixtures.js";

const SOURCE = "secret kube-system/vsphere-creds";

describe("parseCredentials", () => {
  it.each([
    [
      "<server>.username / .password",
      { "vc1.example.com.username": "admin", "vc1.example.com.password": "pw\n" },
      { "vc1.example.com": { user: "admin", password: "pw" } },
    ],
    [
      "server_<id> / username_<id> / password_<id> (IPv6 servers)",
      { server_a: "fd00::1\n", username_a: "admin", password_a: "pw\r\n" },
      { "fd00::1": { user: "admin", password: "pw" } },
    ],
    [
      "both forms for different servers",
      {
        "10.0.0.1.username": "u1",
        "10.0.0.1.password": "p1",
        server_b: "10.0.0.2",
        username_b: "u2",
        password_b: "p2",
      },
      { "10.0.0.1": { user: "u1", password: "p1" }, "10.0.0.2": { user: "u2", password: "p2" } },
    ],
    [
      "both forms for one server, agreeing",
      { "vc.username": "u", "vc.password": "p", server_x: "vc", username_x: "u", password_x: "p" },
      { vc: { user: "u", password: "p" } },
    ],
    [
      "a shared session manager instead of a password",
      { "vc.vc-session-manager-url": "https://sessions/session", "vc.vc-session-manager-token": "t" },
      { vc: { sessionManagerUrl: "https://sessions/session", sessionManagerToken: "t" } },
    ],
    [
      "only one trailing newline dropped; other white space kept",
      { "vc.username": " u ", "vc.password": "p \n\n" },
      { vc: { user: " u ", password: "p \n" } },
    ],
  ])("reads %s", (_, data, want) => {
    expect(Object.fromEntries(parseCredentials(data, SOURCE))).toEqual(want);
  });

  it.each([
    ["no keys", {}, SOURCE, /has no keys/, "<server>.username"],
    ["a missing password", { "vc.username": "u" }, `${SOURCE} key "vc.password"`, /is missing/, "add it"],
    [
      "a missing username (other form)",
      { server_a: "vc", password_a: "p" },
      `${SOURCE} key "username_a"`,
      /is missing/,
      "add it",
    ],
    [
      "a username without server",
      { username_a: "u", password_a: "p" },
      `${SOURCE} key "username_a"`,
      /no matching server_a/,
      "add server_a",
    ],
    [
      "an empty server",
      { server_a: "\n", username_a: "u", password_a: "p" },
      `${SOURCE} key "password_a"`,
      /server_a is empty/,
      "add server_a",
    ],
    ["no id", { server_: "vc" }, `${SOURCE} key "server_"`, /no id/, "server_<id>"],
    [
      "an unknown key",
      { "vc.username": "u", "vc.password": "p", README: "x" },
      `${SOURCE} key "README"`,
      /not a credentials key/,
      "remove other keys",
    ],
    [
      "a key without the dot",
      { vcpassword: "p" },
      `${SOURCE} key "vcpassword"`,
      /not a credentials key/,
      "<server>.password",
    ],
    [
      "two different passwords",
      { "vc.username": "u", "vc.password": "p1", server_x: "vc", username_x: "u", password_x: "p2" },
      `${SOURCE} key "password_x"`,
      /different password/,
      "keep one",
    ],
  ])("reports %s, naming the key", (_, data, key, message, fix) => {
    expect(problemsOf(() => parseCredentials(data, SOURCE))).toContainEqual({
      key,
      message: expect.stringMatching(message) as unknown,
      fix: expect.stringContaining(fix) as unknown,
    });
  });

  it("reports every problem at once and never a password", () => {
    const message = messageOf(() =>
      parseCredentials({ "a.password": "hunter2", username_b: "u", password_b: "hunter3", junk: "hunter4" }, SOURCE),
    );
    expect(message).toMatch(/^secret kube-system\/vsphere-creds has 4 problems:/);
    expect(message).not.toMatch(/hunter/);
  });
});

describe("secrets directory", () => {
  let dir: string;
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads a mounted Secret's layout: key files as links into ..data, skipping Kubernetes' entries", async () => {
    dir = await mkdtemp(join(tmpdir(), "secrets-"));
    const stamp = join(dir, "..2026_08_19_09_35_08.123");
    await mkdir(stamp);
    await writeFile(join(stamp, "vc.example.com.username"), "admin\n");
    await writeFile(join(stamp, "vc.example.com.password"), "pw\n");
    await symlink("..2026_08_19_09_35_08.123", join(dir, "..data"));
    await symlink("..data/vc.example.com.username", join(dir, "vc.example.com.username"));
    await symlink("..data/vc.example.com.password", join(dir, "vc.example.com.password"));
    await mkdir(join(dir, "subdir"));
    await symlink("missing", join(dir, "dangling"));
    expect(await readSecretsDirectory(dir)).toEqual({
      "vc.example.com.password": "pw\n",
      "vc.example.com.username": "admin\n",
    });
    expect(Object.fromEntries(await loadCredentialsDirectory(dir))).toEqual({
      "vc.example.com": { user: "admin", password: "pw" },
    });
  });

  it("names the directory and the fix when it cannot be read", async () => {
    dir = await mkdtemp(join(tmpdir(), "secrets-"));
    const missing = join(dir, "nope");
    const err = await readSecretsDirectory(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain(`secrets directory ${missing}: cannot be read (ENOENT)`);
    expect((err as ConfigError).cause).toBeDefined();
  });

  it("names a file with a problem", async () => {
    dir = await mkdtemp(join(tmpdir(), "secrets-"));
    await writeFile(join(dir, "server_a"), "vc\n");
    await writeFile(join(dir, "username_a"), "u\n");
    await expect(loadCredentialsDirectory(dir)).rejects.toThrow(
      `secrets directory ${dir} key "password_a": is missing`,
    );
  });
});
