// npm run bench:vsphere -- --vms 5000 [--page 1000]
// Loads the full VM inventory (uuid, name, power, host, guest net) through the property
// collector with an explicit page size, then measures how fast WaitForUpdatesEx delivers a
// power-state change. Prints one JSON line, with where the load's time went: the round trips
// (vcsim serving the pages, on this machine), reading the SOAP replies (the `soap` package's parser),
// our codec (typed values) and the rest of our code (property.ts). Starts and stops its own vcsim.
import { parseArgs } from "node:util";
import { join } from "node:path";
import { cachePaths } from "../test/env/paths.js";
import { installEngines } from "../test/env/install.js";
import { ensurePki } from "../test/env/pki.js";
import { sessionFor, startVcsim, stopVcsim } from "../test/env/vcsim.js";
import { createContainerView, retrieveProperties, watch } from "../vsphere/property.js";
import { asString } from "../vsphere/soap/codec.js";

const sec = (ms: number) => Number((ms / 1000).toFixed(3));

const PATHS = ["name", "config.uuid", "runtime.powerState", "runtime.host", "guest.net"];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { vms: { type: "string", default: "5000" }, page: { type: "string", default: "1000" } },
  });
  const wanted = Number(values.vms);
  const page = Number(values.page);
  await installEngines({ only: ["govmomi"] });
  const dir = join(cachePaths().run, "bench-vsphere");
  const pki = await ensurePki(join(dir, "pki"));
  const clusters = Math.max(1, Math.ceil(wanted / 1000));
  const t0 = Date.now();
  const v = await startVcsim(dir, pki, {
    name: "vcsim-bench",
    clustersPerDatacenter: clusters,
    hostsPerCluster: 1,
    vmsPerPool: Math.ceil(wanted / clusters),
  });
  const vcsimStartSeconds = (Date.now() - t0) / 1000;
  let rssPeak = 0;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
  const s = await sessionFor(v);
  try {
    s.stats.reset();
    const l0 = performance.now();
    const view = await createContainerView(s, ["VirtualMachine"]);
    const vms = await retrieveProperties(
      s,
      { props: [{ type: "VirtualMachine", pathSet: PATHS }], source: { view } },
      { maxObjects: page },
    );
    const loadSeconds = (performance.now() - l0) / 1000;
    const loadCalls = s.stats.total();
    const roundTripMs = Object.values(s.stats.snapshot()).reduce((a, m) => a + m.totalMs, 0);
    const phases = s.stats.phases();
    const split = {
      roundTrips: sec(roundTripMs),
      soapXml: sec(phases.soapMs),
      codec: sec(phases.decodeMs),
      rest: sec(loadSeconds * 1000 - roundTripMs - phases.soapMs - phases.decodeMs),
    };
    const expectedPages = Math.ceil(vms.length / page);
    const pages =
      s.stats.snapshot()["soap:RetrievePropertiesEx"].calls +
      (s.stats.snapshot()["soap:ContinueRetrievePropertiesEx"]?.calls ?? 0);
    if (pages !== expectedPages) throw new Error(`expected ${expectedPages} pages of ${page}, made ${pages} calls`);

    // Change feed: wait for the initial state, power one VM off, time the delivery.
    const ac = new AbortController();
    const feed = watch(
      s,
      { props: [{ type: "VirtualMachine", pathSet: ["runtime.powerState"] }], source: { view } },
      { signal: ac.signal, maxWaitSeconds: 30 },
    );
    for (;;) {
      const b = await feed.next();
      if (b.done) throw new Error("feed ended");
      if (!b.value.truncated) break;
    }
    const target = vms.find((o) => asString(o.props["runtime.powerState"]) === "poweredOn");
    if (!target) throw new Error("no powered-on VM");
    const c0 = performance.now();
    await s.call("PowerOffVM_Task", target.obj, {});
    const powerOffCallSeconds = (performance.now() - c0) / 1000;
    let changeSeconds = NaN;
    for (;;) {
      const b = await feed.next();
      if (b.done) break;
      const hit = b.value.updates.find(
        (u) => u.obj.value === target.obj.value && u.changes.some((c) => c.value === "poweredOff"),
      );
      if (hit) {
        changeSeconds = (performance.now() - c0) / 1000;
        break;
      }
    }
    ac.abort();
    await feed.return(undefined);
    clearInterval(sampler);
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    console.log(
      JSON.stringify({
        vms: vms.length,
        pageSize: page,
        loadSeconds: Number(loadSeconds.toFixed(3)),
        loadCalls,
        pages,
        loadSplitSeconds: split,
        changeSeconds: Number(changeSeconds.toFixed(3)),
        powerOffCallSeconds: Number(powerOffCallSeconds.toFixed(3)),
        rssMB: Math.round(rssPeak / 2 ** 20),
        vcsimStartSeconds,
      }),
    );
  } finally {
    clearInterval(sampler);
    await s.close();
    await stopVcsim(dir, "vcsim-bench");
  }
}

main().catch((err: unknown) => {
  console.error(`bench:vsphere: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
