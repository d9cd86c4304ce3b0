// A dynamic provider over a local file: create writes it, read reports it gone when it was
// removed out of band (so `pulumi refresh` sees drift), delete removes it.
// Modules are imported inside the methods: Pulumi serializes these functions into the state,
// and a top-level import of a package fails that serialization under ESM (see docs/module-format.md).
import type * as pulumi from "@pulumi/pulumi";

export const markerProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: { path: string; content: string }) {
    const fs = await import("node:fs/promises");
    await fs.writeFile(inputs.path, `marker: ${inputs.content}\n`);
    return { id: inputs.path, outs: inputs };
  },
  async read(id: string, props: Record<string, unknown>) {
    const fs = await import("node:fs/promises");
    try {
      await fs.access(id);
      return { id, props };
    } catch {
      return { id: "", props: {} };
    }
  },
  async delete(id: string) {
    const fs = await import("node:fs/promises");
    await fs.rm(id, { force: true });
  },
};
