// govc, the independent vSphere client tests cross-check our client with (so a bug in ours cannot
// hide itself). Runs with the environment's variables (GOVC_URL, credentials, CA, PATH).
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface Govc {
  /** stdout of `govc <args>`; rejects with govc's stderr in the message. */
  (...args: string[]): Promise<string>;
  /** `govc <args>` parsed as JSON (pass -json yourself). */
  json<T>(...args: string[]): Promise<T>;
}

/** A govc runner for the environment whose variables are `env` (EnginesContext.env). */
export function govcFor(env: Record<string, string>): Govc {
  const childEnv = { ...process.env, ...env, GOVC_PERSIST_SESSION: "false" };
  const govc = async (...args: string[]): Promise<string> => {
    try {
      const { stdout } = await run("govc", args, { env: childEnv, timeout: 60_000, maxBuffer: 64 << 20 });
      return stdout;
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr?.trim();
      throw new Error(`govc ${args.join(" ")} failed${stderr ? `: ${stderr}` : ""}`, { cause: err });
    }
  };
  return Object.assign(govc, {
    json: async <T>(...args: string[]): Promise<T> => JSON.parse(await govc(...args)) as T,
  });
}
