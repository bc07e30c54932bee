#pragma once
// switchyard.v1.Control over gRPC: thin adapters. Each handler decodes the
// request, calls one Controller function and maps its Status. Handlers run on
// gRPC's thread pool and never let an exception escape.

#include "core/controller.h"
#include "switchyard/v1/control.grpc.pb.h"

namespace switchyard::controlplane {

class ControlService final : public pb::Control::Service {
 public:
  explicit ControlService(Controller& controller) : controller_(controller) {}

  grpc::Status CreateTenant(grpc::ServerContext*, const pb::CreateTenantRequest*, pb::Tenant*) override;
  grpc::Status UpdateTenant(grpc::ServerContext*, const pb::UpdateTenantRequest*, pb::Tenant*) override;
  grpc::Status DeleteTenant(grpc::ServerContext*, const pb::DeleteTenantRequest*, pb::DeleteReply*) override;
  grpc::Status GetTenant(grpc::ServerContext*, const pb::GetTenantRequest*, pb::Tenant*) override;
  grpc::Status ListTenants(grpc::ServerContext*, const pb::ListTenantsRequest*, pb::ListTenantsReply*) override;

  grpc::Status CreatePort(grpc::ServerContext*, const pb::CreatePortRequest*, pb::PortView*) override;
  grpc::Status UpdatePort(grpc::ServerContext*, const pb::UpdatePortRequest*, pb::PortView*) override;
  grpc::Status DeletePort(grpc::ServerContext*, const pb::DeletePortRequest*, pb::DeleteReply*) override;
  grpc::Status GetPort(grpc::ServerContext*, const pb::GetPortRequest*, pb::PortView*) override;
  grpc::Status ListPorts(grpc::ServerContext*, const pb::ListPortsRequest*, pb::ListPortsReply*) override;

  grpc::Status SetLimit(grpc::ServerContext*, const pb::SetLimitRequest*, pb::Limit*) override;
  grpc::Status ClearLimit(grpc::ServerContext*, const pb::ClearLimitRequest*, pb::DeleteReply*) override;
  grpc::Status ListLimits(grpc::ServerContext*, const pb::ListLimitsRequest*, pb::ListLimitsReply*) override;
  grpc::Status CreateRule(grpc::ServerContext*, const pb::CreateRuleRequest*, pb::Rule*) override;
  grpc::Status UpdateRule(grpc::ServerContext*, const pb::UpdateRuleRequest*, pb::Rule*) override;
  grpc::Status DeleteRule(grpc::ServerContext*, const pb::DeleteRuleRequest*, pb::DeleteReply*) override;
  grpc::Status GetRule(grpc::ServerContext*, const pb::GetRuleRequest*, pb::RuleView*) override;
  grpc::Status ListRules(grpc::ServerContext*, const pb::ListRulesRequest*, pb::ListRulesReply*) override;
  grpc::Status ReplaceRules(grpc::ServerContext*, const pb::ReplaceRulesRequest*,
                            pb::ReplaceRulesReply*) override;
  grpc::Status CreateVtep(grpc::ServerContext*, const pb::CreateVtepRequest*, pb::Vtep*) override;
  grpc::Status DeleteVtep(grpc::ServerContext*, const pb::DeleteVtepRequest*, pb::DeleteReply*) override;
  grpc::Status ListVteps(grpc::ServerContext*, const pb::ListVtepsRequest*, pb::ListVtepsReply*) override;

  grpc::Status ListMacs(grpc::ServerContext*, const pb::ListMacsRequest*, pb::ListMacsReply*) override;
  grpc::Status FlushMacs(grpc::ServerContext*, const pb::FlushMacsRequest*, pb::FlushMacsReply*) override;
  grpc::Status GetStats(grpc::ServerContext*, const pb::GetStatsRequest*, pb::Stats*) override;
  grpc::Status GetStatus(grpc::ServerContext*, const pb::GetStatusRequest*, pb::Status*) override;
  grpc::Status Trace(grpc::ServerContext*, const pb::TraceRequest*, pb::TraceReply*) override;

 private:
  Controller& controller_;
};

}  // namespace switchyard::controlplane
