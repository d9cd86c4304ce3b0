// The engines this project tests against, each built from its Go module through a wrapper
// module under test/env/go. Versions are pinned here and in the wrapper go.mod files.
import { join } from "node:path";
import { GO_WRAPPERS } from "./paths.js";

export type EngineName =
  | "kubernetes"
  | "etcd"
  | "govmomi"
  | "pulumi"
  | "pulumi-language-nodejs"
  | "pulumi-kubernetes"
  | "actionlint"
  | "pause"
  | "cloud-provider-vsphere";

export interface Engine {
  name: EngineName;
  /** Pinned upstream version; part of the cache directory name. */
  version: string;
  /** Wrapper module directory. */
  dir: string;
  /** Packages to build (import paths, or ./relative to the wrapper). */
  packages: string[];
  /** Binaries the build leaves in bin/. */
  binaries: string[];
  /** -X flags for version stamping. */
  ldflags: string[];
  /**
   * Files to copy from a dependency module into a scratch copy of the wrapper before building
   * (go:embed cannot read the module cache).
   */
  embedFrom?: { module: string; files: string[] };
  /**
   * Built only for benchmarks (`engines install --bench`, or asked for by name): never by
   * `npm test` nor `engines up`, which need only the test engines.
   */
  benchOnly?: true;
}

const K8S = "v1.35.4";
const k8sVersionFlags = [
  `k8s.io/component-base/version.gitVersion=${K8S}`,
  "k8s.io/component-base/version.gitMajor=1",
  "k8s.io/component-base/version.gitMinor=35",
  "k8s.io/component-base/version.gitTreeState=clean",
];
const PULUMI_K8S_MODULE = "github.com/pulumi/pulumi-kubernetes/provider/v4";

export const ENGINES: readonly Engine[] = [
  {
    name: "govmomi",
    version: "v0.55.0",
    dir: join(GO_WRAPPERS, "govmomi"),
    packages: ["./vcsim", "./govc"],
    binaries: ["vcsim", "govc"],
    ldflags: ["main.version=v0.55.0"],
  },
  {
    name: "etcd",
    version: "v3.6.16",
    dir: join(GO_WRAPPERS, "etcd"),
    packages: ["go.etcd.io/etcd/server/v3"],
    binaries: ["etcd"],
    ldflags: [],
  },
  {
    name: "kubernetes",
    version: K8S,
    dir: join(GO_WRAPPERS, "kubernetes"),
    packages: [
      "k8s.io/kubernetes/cmd/kube-apiserver",
      "k8s.io/kubernetes/cmd/kube-controller-manager",
      "k8s.io/kubernetes/cmd/kube-scheduler",
      "k8s.io/kubernetes/cmd/kubelet",
      "k8s.io/kubernetes/cmd/kubectl",
    ],
    binaries: ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kubectl"],
    ldflags: k8sVersionFlags,
  },
  {
    name: "pulumi",
    version: "v3.248.0",
    dir: join(GO_WRAPPERS, "pulumi"),
    packages: ["github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"],
    binaries: ["pulumi"],
    ldflags: ["github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v3.248.0"],
  },
  {
    name: "pulumi-language-nodejs",
    version: "v3.68.0",
    dir: join(GO_WRAPPERS, "pulumi-language-nodejs"),
    packages: ["github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"],
    binaries: ["pulumi-language-nodejs"],
    ldflags: ["github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v3.68.0"],
  },
  {
    name: "pulumi-kubernetes",
    version: "v4.25.0",
    dir: join(GO_WRAPPERS, "pulumi-kubernetes"),
    packages: ["."],
    binaries: ["pulumi-resource-kubernetes"],
    ldflags: [`${PULUMI_K8S_MODULE}/pkg/version.Version=4.25.0`],
    embedFrom: {
      module: PULUMI_K8S_MODULE,
      files: ["cmd/pulumi-resource-kubernetes/schema.json", "cmd/pulumi-resource-kubernetes/terraform-mapping.json"],
    },
  },
  {
    name: "actionlint",
    version: "v1.7.12",
    dir: join(GO_WRAPPERS, "actionlint"),
    packages: ["github.com/rhysd/actionlint/cmd/actionlint"],
    binaries: ["actionlint"],
    ldflags: [],
  },
  {
    // The local cluster's sandbox image holds this one static binary (test/env/image.ts).
    name: "pause",
    version: "v1",
    dir: join(GO_WRAPPERS, "pause"),
    packages: ["."],
    binaries: ["pause"],
    ldflags: [],
  },
  {
    // Upstream's Go CCM, the baseline of `bench:ccm -- --vs-upstream`.
    name: "cloud-provider-vsphere",
    version: "v1.36.0",
    dir: join(GO_WRAPPERS, "cloud-provider-vsphere"),
    packages: ["k8s.io/cloud-provider-vsphere/cmd/vsphere-cloud-controller-manager"],
    binaries: ["vsphere-cloud-controller-manager"],
    ldflags: ["k8s.io/component-base/version.gitVersion=v1.36.0"],
    benchOnly: true,
  },
];

export function engine(name: EngineName): Engine {
  const found = ENGINES.find((e) => e.name === name);
  if (!found) throw new Error(`unknown engine ${name}`);
  return found;
}
