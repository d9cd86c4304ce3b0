// The smallest program that exercises every part of the local Pulumi engine: the CLI, the
// Node.js language host, the Kubernetes provider against the local apiserver, and a dynamic
// provider (the same mechanism the vCenter resources use).
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { markerProvider } from "./marker.js";

class Marker extends pulumi.dynamic.Resource {
  declare readonly content: pulumi.Output<string>;
  constructor(name: string, args: { path: pulumi.Input<string>; content: pulumi.Input<string> }) {
    super(markerProvider, name, { ...args }, {});
  }
}

const cfg = new pulumi.Config();
// Nothing schedules pods locally, so the provider must not wait for readiness.
const skipAwait = { "pulumi.com/skipAwait": "true" };
const ns = new k8s.core.v1.Namespace("chain", {
  metadata: { name: cfg.require("namespace"), annotations: skipAwait },
});
const cm = new k8s.core.v1.ConfigMap("chain", {
  metadata: { namespace: ns.metadata.name, name: "chain", annotations: skipAwait },
  data: { hello: "world" },
});
const marker = new Marker("marker", { path: cfg.require("markerPath"), content: "chain" });

export const namespace = ns.metadata.name;
export const configMap = cm.metadata.name;
export const markerPath = marker.id;
