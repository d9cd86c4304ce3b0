// Wrapper module for the vCenter engines: our own small mains over the tagged govmomi module.
// govmomi's own vcsim/ and govc/ directories are nested modules the Go module proxy does not
// serve (403 for the v0.55.0 commit's pseudo-version), so vcsim/main.go and govc/main.go here
// are ours: vcsim over govmomi/simulator (plus a fault-injection control endpoint, users in
// the simulator's directory and an incremental PropertyCollector, which stock vcsim lacks) and
// govc over govmomi/cli.
module vsphere-ccm.local/engines/govmomi

go 1.25.0

require (
	github.com/google/uuid v1.6.0
	github.com/vmware/govmomi v0.55.0
)

require (
	github.com/a8m/tree v0.0.0-20240104212747-2c8764a5f17e // indirect
	github.com/dougm/pretty v0.0.0-20160325215624-add1dbc86daf // indirect
	github.com/kr/text v0.2.0 // indirect
	github.com/rogpeppe/go-internal v1.16.0 // indirect
)
