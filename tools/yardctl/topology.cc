#include "topology.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include <fmt/format.h>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "requests.h"
#include "yaml_input.h"

namespace yardctl {
namespace v1 = switchyard::v1;

namespace {

// Thrown inside this file only; ParseTopology turns it into an error.
struct TopologyError {
  std::string message;
};

[[noreturn]] void Fail(std::string message) { throw TopologyError{std::move(message)}; }

std::string What(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return fmt::format("'{}'", n.Scalar());
    default: return "nothing";
  }
}

// Reads one file: keeps the text so that YAML's null can be told apart
// from the word "null" (`kind: null` is the null port kind, not "no value").
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  // A single value as text. The plain word null/Null/NULL is the string
  // "null"; `~` or nothing is a missing value.
  std::string Scalar(const YAML::Node& n, const std::string& path) const {
    if (n.IsScalar()) return n.Scalar();
    if (n.IsNull() && IsNullWord(n)) return "null";
    if (n.IsNull()) Fail(fmt::format("{}: missing value", path));
    Fail(fmt::format("{}: expected a single value, got {}", path, What(n)));
  }

  // The map's entries by key, in file order; unknown and duplicate keys
  // are errors naming them.
  std::vector<std::pair<std::string, YAML::Node>> Entries(
      const YAML::Node& map, const std::string& path,
      const std::vector<std::string_view>& allowed) const {
    if (!map.IsMap()) Fail(fmt::format("{}: expected a map, got {}", path, What(map)));
    std::vector<std::pair<std::string, YAML::Node>> out;
    std::set<std::string> seen;
    for (const auto& kv : map) {
      std::string key = Scalar(kv.first, path.empty() ? "key" : path + " key");
      std::string at = path.empty() ? key : path + "." + key;
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string known;
        for (auto k : allowed) known += (known.empty() ? "" : ", ") + std::string(k);
        Fail(fmt::format("{}: unknown key (known: {})", at, known));
      }
      if (!seen.insert(key).second) Fail(fmt::format("{}: duplicate key", at));
      out.emplace_back(std::move(key), kv.second);
    }
    return out;
  }

 private:
  bool IsNullWord(const YAML::Node& n) const {
    size_t pos = n.Mark().pos;
    if (n.Mark().is_null() || pos + 4 > text_.size()) return false;
    std::string_view word = text_.substr(pos, 4);
    if (word != "null" && word != "Null" && word != "NULL") return false;
    // A key named "null" on the next line is not this value.
    return pos + 4 == text_.size() || std::string_view(" \t\r\n,]}#").find(text_[pos + 4]) !=
                                          std::string_view::npos;
  }

  std::string_view text_;
};

std::string At(std::string_view list, size_t i) { return fmt::format("{}[{}]", list, i); }

v1::Tenant ReadTenant(const Reader& r, const YAML::Node& node, const std::string& path) {
  TenantAddArgs a;
  a.path = path;
  for (const auto& [key, value] :
       r.Entries(node, path, {"name", "id", "vlan", "mac_limit", "vni"})) {
    std::string text = r.Scalar(value, path + "." + key);
    if (key == "name") {
      a.name = text;
    } else if (key == "id") {
      a.id = text;
    } else if (key == "vlan") {
      a.vlan = text;
    } else if (key == "mac_limit") {
      a.mac_limit = text;
    } else if (key == "vni") {
      a.vni = text;
    }
  }
  if (a.name.empty()) Fail(fmt::format("{}.name: required", path));
  auto req = BuildCreateTenant(a);
  if (!req.ok()) Fail(req.error());
  return req.value().tenant();
}

// trunk: {VLAN: TENANT, ...}, at least one.
std::vector<std::pair<std::string, std::string>> ReadTrunk(const Reader& r, const YAML::Node& node,
                                                           const std::string& path) {
  if (!node.IsMap()) {
    Fail(fmt::format("{}: expected a map of VLAN: TENANT (e.g. {{100: red}}), got {}", path,
                     What(node)));
  }
  std::vector<std::pair<std::string, std::string>> out;
  std::set<std::string> seen;
  for (const auto& kv : node) {
    std::string vlan = r.Scalar(kv.first, path + ": VLAN");
    std::string at = fmt::format("{}.{}", path, vlan);
    if (!seen.insert(vlan).second) Fail(fmt::format("{}: duplicate key", at));
    out.emplace_back(vlan, r.Scalar(kv.second, at));
  }
  if (out.empty()) Fail(fmt::format("{}: empty (a trunk needs at least one VLAN: TENANT)", path));
  return out;
}

// ip: [CIDR, ...] or a single CIDR.
std::vector<std::string> ReadIps(const Reader& r, const YAML::Node& node, const std::string& path) {
  if (!node.IsSequence()) return {r.Scalar(node, path)};
  std::vector<std::string> out;
  for (size_t i = 0; i < node.size(); ++i) out.push_back(r.Scalar(node[i], At(path, i)));
  return out;
}

v1::Port ReadPort(const Reader& r, const YAML::Node& node, const std::string& path) {
  PortAddArgs a;
  a.path = path;
  bool has_kind = false;
  for (const auto& [key, value] :
       r.Entries(node, path,
                 {"name", "kind", "iface", "socket", "devargs", "tenant", "vlan", "trunk",
                  "uplink", "netns", "ip", "mtu", "vtep_ip", "gateway", "vtep_iface"})) {
    std::string at = path + "." + key;
    if (key == "trunk") {
      a.trunk_map = ReadTrunk(r, value, at);
    } else if (key == "ip") {
      a.ips = ReadIps(r, value, at);
    } else if (key == "uplink") {
      std::string text = r.Scalar(value, at);
      if (!YAML::convert<bool>::decode(value, a.uplink)) {
        Fail(fmt::format("{}: expected true or false, got '{}'", at, text));
      }
    } else {
      std::string text = r.Scalar(value, at);
      if (key == "name") a.name = text;
      if (key == "kind") {
        a.kind = text;
        has_kind = true;
      }
      if (key == "iface") a.iface = text;
      if (key == "socket") a.socket = text;
      if (key == "devargs") a.devargs = text;
      if (key == "tenant") {
        if (text.empty()) Fail(fmt::format("{}: empty tenant name", at));
        a.tenant = text;
      }
      if (key == "vlan") a.vlan = text;
      if (key == "netns") a.netns = text;
      if (key == "mtu") a.mtu = text;
      if (key == "vtep_ip") a.vtep_ip = text;
      if (key == "gateway") a.gateway = text;
      if (key == "vtep_iface") a.vtep_iface = text;
    }
  }
  if (a.name.empty()) Fail(fmt::format("{}.name: required", path));
  if (!has_kind) Fail(fmt::format("{}.kind: required (one of: {})", path, PortKindList()));
  auto req = BuildCreatePort(a);
  if (!req.ok()) Fail(req.error());
  return req.value().port();
}

// vteps: {tenant: T, remote: IP}; named as controld names them.
v1::Vtep ReadVtep(const Reader& r, const YAML::Node& node, const std::string& path) {
  std::string tenant, remote;
  for (const auto& [key, value] : r.Entries(node, path, {"tenant", "remote"})) {
    std::string text = r.Scalar(value, path + "." + key);
    (key == "tenant" ? tenant : remote) = text;
  }
  auto req = BuildCreateVtep(tenant, remote, path);
  if (!req.ok()) Fail(req.error());
  v1::Vtep v = req.value().vtep();
  v.set_name(v.tenant() + "@" + v.remote());
  return v;
}

// tenants: / ports: / vteps: — a list of maps; nothing (`ports:`) is an empty list.
template <class Read, class T>
void ReadList(const Reader& r, const YAML::Node& node, const std::string& list,
              std::vector<T>& out, Read read) {
  if (node.IsNull()) return;
  if (!node.IsSequence()) Fail(fmt::format("{}: expected a list, got {}", list, What(node)));
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < node.size(); ++i) {
    T obj = read(r, node[i], At(list, i));
    auto [it, fresh] = index.emplace(obj.name(), i);
    if (!fresh) {
      Fail(fmt::format("{}{}: '{}' is already defined at {}", At(list, i),
                       list == "vteps" ? "" : ".name", obj.name(), At(list, it->second)));
    }
    out.push_back(std::move(obj));
  }
}


}  // namespace

Parsed<Topology> ParseTopology(std::string_view yaml) {
  using R = Parsed<Topology>;
  auto loaded = LoadOneDocument(std::string(yaml));
  if (!loaded.ok()) return R::Error(loaded.error());
  std::vector<YAML::Node> docs;
  if (loaded.value()) docs.push_back(*loaded.value());
  if (docs.empty() || docs[0].IsNull()) {
    return R::Error("empty file (expected tenants: and/or ports:)");
  }
  Topology topo;
  try {
    Reader r(yaml);
    const YAML::Node& root = docs[0];
    if (!root.IsMap()) {
      Fail(fmt::format("expected a map with tenants: and/or ports:, got {}", What(root)));
    }
    for (const auto& [key, value] : r.Entries(root, "", {"tenants", "ports", "vteps"})) {
      if (key == "tenants") ReadList(r, value, key, topo.tenants, ReadTenant);
      if (key == "ports") ReadList(r, value, key, topo.ports, ReadPort);
      if (key == "vteps") ReadList(r, value, key, topo.vteps, ReadVtep);
    }
  } catch (const TopologyError& e) {
    return R::Error(e.message);
  } catch (const YAML::Exception& e) {
    return R::Error(e.what());
  }
  return R::Ok(std::move(topo));
}

}  // namespace yardctl
