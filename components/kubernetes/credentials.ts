// The credentials Secret's data in upstream's key formats (controller/config/credentials.ts reads
// them): `<server>.username`/`<server>.password`, or `server_<id>`/`username_<id>`/`password_<id>`
// for servers a Secret key cannot spell (an IPv6 address has ':'). Values stay Pulumi secrets.
import * as pulumi from "@pulumi/pulumi";
import type { VcenterArgs } from "./args.js";

/** Characters a Secret key may hold (Kubernetes' IsConfigMapKey). */
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/** The data keys of vCenter `index`'s credentials; `server` is set when the server needs its own key. */
export interface CredentialKeys {
  username: string;
  password: string;
  server?: string;
}

export function credentialKeys(server: string, index: number): CredentialKeys {
  if (SECRET_KEY.test(`${server}.password`)) return { username: `${server}.username`, password: `${server}.password` };
  const id = `vcenter${index}`;
  return { server: `server_${id}`, username: `username_${id}`, password: `password_${id}` };
}

/** The Secret's `stringData`: every vCenter's user and password, as one secret Output. */
export function credentialsData(
  vcenters: Pick<VcenterArgs, "server" | "username" | "password">[],
): pulumi.Output<Record<string, string>> {
  const entries = vcenters.map((vc, i) =>
    pulumi.all([vc.username, vc.password]).apply(([username, password]) => {
      const keys = credentialKeys(vc.server, i);
      const data: Record<string, string> = { [keys.username]: username, [keys.password]: password };
      if (keys.server) data[keys.server] = vc.server;
      return data;
    }),
  );
  return pulumi.secret(pulumi.all(entries).apply((parts) => Object.assign({}, ...parts) as Record<string, string>));
}
