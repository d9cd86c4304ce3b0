// Wrapper module for the local cluster's sandbox ("pause") image: a static binary that holds a
// pod's namespaces and exits on SIGINT/SIGTERM, like Kubernetes' build/pause (which is C, built
// in a container). No dependencies; built with CGO_ENABLED=0 like every engine.
module vsphere-ccm.local/engines/pause

go 1.25.0
