#include "api/control_service.h"

#include <exception>

#include <spdlog/spdlog.h>

namespace switchyard::controlplane {

namespace {

// Turns an escaping exception (out of memory, a bug) into INTERNAL so one bad
// request cannot take the daemon down through gRPC's thread pool.
template <typename Fn>
grpc::Status Guard(const char* method, Fn fn) {
  try {
    return fn().ToGrpc();
  } catch (const std::exception& e) {
    spdlog::error("{}: {}", method, e.what());
    return grpc::Status(grpc::StatusCode::INTERNAL, std::string(method) + ": " + e.what());
  } catch (...) {
    spdlog::error("{}: unknown exception", method);
    return grpc::Status(grpc::StatusCode::INTERNAL, std::string(method) + ": unknown error");
  }
}

}  // namespace

grpc::Status ControlService::CreateTenant(grpc::ServerContext*, const pb::CreateTenantRequest* req, pb::Tenant* out) {
  return Guard("CreateTenant", [&] { return controller_.CreateTenant(req->tenant(), *out); });
}

grpc::Status ControlService::UpdateTenant(grpc::ServerContext*, const pb::UpdateTenantRequest* req, pb::Tenant* out) {
  return Guard("UpdateTenant", [&] { return controller_.UpdateTenant(req->tenant(), *out); });
}

grpc::Status ControlService::DeleteTenant(grpc::ServerContext*, const pb::DeleteTenantRequest* req,
                                          pb::DeleteReply* out) {
  return Guard("DeleteTenant", [&] {
    uint64_t generation = 0;
    Status st = controller_.DeleteTenant(req->name(), generation);
    out->set_generation(generation);
    return st;
  });
}

grpc::Status ControlService::GetTenant(grpc::ServerContext*, const pb::GetTenantRequest* req, pb::Tenant* out) {
  return Guard("GetTenant", [&] { return controller_.GetTenant(req->name(), *out); });
}

grpc::Status ControlService::ListTenants(grpc::ServerContext*, const pb::ListTenantsRequest*,
                                         pb::ListTenantsReply* out) {
  return Guard("ListTenants", [&] {
    for (auto& t : controller_.ListTenants()) *out->add_tenants() = std::move(t);
    return Status();
  });
}

grpc::Status ControlService::CreatePort(grpc::ServerContext*, const pb::CreatePortRequest* req, pb::PortView* out) {
  return Guard("CreatePort", [&] { return controller_.CreatePort(req->port(), *out); });
}

grpc::Status ControlService::UpdatePort(grpc::ServerContext*, const pb::UpdatePortRequest* req, pb::PortView* out) {
  return Guard("UpdatePort", [&] { return controller_.UpdatePort(req->port(), *out); });
}

grpc::Status ControlService::DeletePort(grpc::ServerContext*, const pb::DeletePortRequest* req, pb::DeleteReply* out) {
  return Guard("DeletePort", [&] {
    uint64_t generation = 0;
    Status st = controller_.DeletePort(req->name(), generation);
    out->set_generation(generation);
    return st;
  });
}

grpc::Status ControlService::GetPort(grpc::ServerContext*, const pb::GetPortRequest* req, pb::PortView* out) {
  return Guard("GetPort", [&] { return controller_.GetPort(req->name(), *out); });
}

grpc::Status ControlService::ListPorts(grpc::ServerContext*, const pb::ListPortsRequest*, pb::ListPortsReply* out) {
  return Guard("ListPorts", [&] {
    for (auto& v : controller_.ListPorts()) *out->add_ports() = std::move(v);
    return Status();
  });
}

grpc::Status ControlService::SetLimit(grpc::ServerContext*, const pb::SetLimitRequest* req, pb::Limit* out) {
  return Guard("SetLimit", [&] { return controller_.SetLimit(req->limit(), *out); });
}

grpc::Status ControlService::ClearLimit(grpc::ServerContext*, const pb::ClearLimitRequest* req,
                                        pb::DeleteReply* out) {
  return Guard("ClearLimit", [&] {
    uint64_t generation = 0;
    Status st = controller_.ClearLimit(req->limit(), generation);
    out->set_generation(generation);
    return st;
  });
}

grpc::Status ControlService::ListLimits(grpc::ServerContext*, const pb::ListLimitsRequest* req,
                                        pb::ListLimitsReply* out) {
  return Guard("ListLimits", [&] {
    for (auto& v : controller_.ListLimits(req->port(), req->tenant())) *out->add_limits() = std::move(v);
    return Status();
  });
}

grpc::Status ControlService::CreateRule(grpc::ServerContext*, const pb::CreateRuleRequest* req, pb::Rule* out) {
  return Guard("CreateRule", [&] { return controller_.CreateRule(req->rule(), *out); });
}

grpc::Status ControlService::UpdateRule(grpc::ServerContext*, const pb::UpdateRuleRequest* req, pb::Rule* out) {
  return Guard("UpdateRule", [&] { return controller_.UpdateRule(req->rule(), *out); });
}

grpc::Status ControlService::DeleteRule(grpc::ServerContext*, const pb::DeleteRuleRequest* req,
                                        pb::DeleteReply* out) {
  return Guard("DeleteRule", [&] {
    uint64_t generation = 0;
    Status st = controller_.DeleteRule(req->name(), generation);
    out->set_generation(generation);
    return st;
  });
}

grpc::Status ControlService::GetRule(grpc::ServerContext*, const pb::GetRuleRequest* req, pb::RuleView* out) {
  return Guard("GetRule", [&] { return controller_.GetRule(req->name(), *out); });
}

grpc::Status ControlService::ListRules(grpc::ServerContext*, const pb::ListRulesRequest* req,
                                       pb::ListRulesReply* out) {
  return Guard("ListRules", [&] {
    for (auto& v : controller_.ListRules(req->tenant(), req->global())) *out->add_rules() = std::move(v);
    return Status();
  });
}

grpc::Status ControlService::ReplaceRules(grpc::ServerContext*, const pb::ReplaceRulesRequest* req,
                                          pb::ReplaceRulesReply* out) {
  return Guard("ReplaceRules", [&] {
    std::vector<pb::Rule> rules(req->rules().begin(), req->rules().end());
    return controller_.ReplaceRules(RuleScope{req->tenant(), req->global()}, std::move(rules), *out);
  });
}

grpc::Status ControlService::CreateVtep(grpc::ServerContext*, const pb::CreateVtepRequest* req, pb::Vtep* out) {
  return Guard("CreateVtep", [&] { return controller_.CreateVtep(req->vtep(), *out); });
}

grpc::Status ControlService::DeleteVtep(grpc::ServerContext*, const pb::DeleteVtepRequest* req,
                                        pb::DeleteReply* out) {
  return Guard("DeleteVtep", [&] {
    uint64_t generation = 0;
    Status st = controller_.DeleteVtep(req->tenant(), req->remote(), generation);
    out->set_generation(generation);
    return st;
  });
}

grpc::Status ControlService::ListVteps(grpc::ServerContext*, const pb::ListVtepsRequest* req,
                                       pb::ListVtepsReply* out) {
  return Guard("ListVteps", [&] {
    for (auto& v : controller_.ListVteps(req->tenant())) *out->add_vteps() = std::move(v);
    return Status();
  });
}

grpc::Status ControlService::ListMacs(grpc::ServerContext*, const pb::ListMacsRequest* req, pb::ListMacsReply* out) {
  return Guard("ListMacs", [&] { return controller_.ListMacs(*req, *out); });
}

grpc::Status ControlService::FlushMacs(grpc::ServerContext*, const pb::FlushMacsRequest* req,
                                       pb::FlushMacsReply* out) {
  return Guard("FlushMacs", [&] { return controller_.FlushMacs(*req, *out); });
}

grpc::Status ControlService::GetStats(grpc::ServerContext*, const pb::GetStatsRequest* req, pb::Stats* out) {
  return Guard("GetStats", [&] { return controller_.GetStats(*req, *out); });
}

grpc::Status ControlService::GetStatus(grpc::ServerContext*, const pb::GetStatusRequest*, pb::Status* out) {
  return Guard("GetStatus", [&] {
    controller_.GetStatus(*out);
    return Status();
  });
}

grpc::Status ControlService::Trace(grpc::ServerContext*, const pb::TraceRequest* req, pb::TraceReply* out) {
  return Guard("Trace", [&] { return controller_.Trace(*req, *out); });
}

}  // namespace switchyard::controlplane
