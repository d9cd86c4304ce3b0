package main

// vCenter's permission semantics for the simulator's AuthorizationManager.
//
// govmomi's simulator (simulator/authorization_manager.go, v0.55.0) stores the request's list as
// the entity's whole permission list in SetEntityPermissions, and RemoveEntityPermission succeeds
// when there is nothing to remove. vCenter does neither (vSphere Web Services API reference,
// AuthorizationManager, https://developer.broadcom.com/xapis/virtual-infrastructure-json-api/latest/sdk/vim25/release/AuthorizationManager/moId/SetEntityPermissions/post/
// and .../RemoveEntityPermission/post/):
//   - SetEntityPermissions "Defines one or more permission rules on an entity or updates rules if
//     already present for the given user or group on the entity. If a permission is specified
//     multiple times for the same user or group, then the last permission specified takes
//     effect." Other principals' rules on the entity are left as they are (replacing the whole
//     list is ResetEntityPermissions: "Any existing permissions on the entity are removed and
//     replaced with the provided set").
//   - The Permission data object: "A ManagedEntity is limited to one permission per principal";
//     its entity is "present for the results of permission queries".
//   - RemoveEntityPermission faults with "NotFound: if a permission for this entity and user or
//     group does not exist."
// authzManager wraps the simulator's manager and corrects these two methods, so tests exercise
// what a real vCenter does. Principals are matched as the simulator matches them (exactly).

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type authzManager struct {
	*simulator.AuthorizationManager
}

// installAuthzManager replaces the registered AuthorizationManager with the wrapper; the
// simulator dispatches SOAP calls to whatever object the registry holds for the reference.
func installAuthzManager(model *simulator.Model) {
	for _, ref := range model.Map().AllReference("AuthorizationManager") {
		if m, ok := ref.(*simulator.AuthorizationManager); ok {
			model.Map().Put(&authzManager{m})
		}
	}
}

func samePrincipal(a, b types.Permission) bool {
	return a.Group == b.Group && a.Principal == b.Principal
}

// entityRules is a copy of the rules defined on the entity itself (the simulator hands out its
// own slice), or a ManagedObjectNotFound fault for an unknown entity.
func (m *authzManager) entityRules(ctx *simulator.Context, entity types.ManagedObjectReference) ([]types.Permission, *soap.Fault) {
	if ctx.Map.Get(entity) == nil {
		return nil, simulator.Fault("", &types.ManagedObjectNotFound{Obj: entity})
	}
	res := m.AuthorizationManager.RetrieveEntityPermissions(ctx, &types.RetrieveEntityPermissions{Entity: entity})
	body := res.(*methods.RetrieveEntityPermissionsBody)
	if body.Fault_ != nil {
		return nil, body.Fault_
	}
	return append([]types.Permission(nil), body.Res.Returnval...), nil
}

// SetEntityPermissions upserts each given rule by principal and group flag, in order.
func (m *authzManager) SetEntityPermissions(ctx *simulator.Context, req *types.SetEntityPermissions) soap.HasFault {
	rules, fault := m.entityRules(ctx, req.Entity)
	if fault != nil {
		return &methods.SetEntityPermissionsBody{Fault_: fault}
	}
	for _, p := range req.Permission {
		entity := req.Entity
		p.Entity = &entity
		replaced := false
		for i := range rules {
			if samePrincipal(rules[i], p) {
				rules[i], replaced = p, true
				break
			}
		}
		if !replaced {
			rules = append(rules, p)
		}
	}
	return m.AuthorizationManager.SetEntityPermissions(&types.SetEntityPermissions{This: req.This, Entity: req.Entity, Permission: rules})
}

// RemoveEntityPermission removes one principal's rule, or faults with NotFound when it has none.
func (m *authzManager) RemoveEntityPermission(ctx *simulator.Context, req *types.RemoveEntityPermission) soap.HasFault {
	rules, fault := m.entityRules(ctx, req.Entity)
	if fault != nil {
		return &methods.RemoveEntityPermissionBody{Fault_: fault}
	}
	want := types.Permission{Principal: req.User, Group: req.IsGroup}
	for _, p := range rules {
		if samePrincipal(p, want) {
			return m.AuthorizationManager.RemoveEntityPermission(req)
		}
	}
	return &methods.RemoveEntityPermissionBody{Fault_: simulator.Fault("", &types.NotFound{})}
}
