// Syntactic parsing of yardctl arguments. Pure functions, no I/O.
//
// Only what can be judged without controld is checked here: spelling of port
// kinds, VLAN=TENANT syntax, CIDR syntax, integers that cannot fit the field.
// Everything that needs state or policy (does the tenant exist, is the id
// below 16384, is the MTU 68..9000) is controld's job, so the rules live in
// one place. Every error message starts with the option it is about.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "switchyard/v1/types.pb.h"

namespace yardctl {

// A value or the message saying why there is none.
template <class T>
class Parsed {
 public:
  static Parsed Ok(T value) { return Parsed(std::move(value), {}); }
  static Parsed Error(std::string message) { return Parsed(std::nullopt, std::move(message)); }

  bool ok() const { return value_.has_value(); }
  const T& value() const { return *value_; }
  const std::string& error() const { return error_; }

 private:
  Parsed(std::optional<T> value, std::string error)
      : value_(std::move(value)), error_(std::move(error)) {}
  std::optional<T> value_;
  std::string error_;
};

// Largest values the wire formats allow; anything above cannot be valid.
inline constexpr uint64_t kMaxVlan = 4094;
inline constexpr uint64_t kMaxVni = (1u << 24) - 1;
inline constexpr uint64_t kMaxU32 = UINT32_MAX;

// A decimal integer in [min, max]. `option` names the option in the message.
Parsed<uint64_t> ParseUint(std::string_view text, std::string_view option, uint64_t min,
                           uint64_t max);

// --timeout: seconds, a positive finite number ("2", "0.5").
Parsed<double> ParseTimeout(std::string_view text, std::string_view option);

// Port kind by its CLI name: vhost-server (alias vhost-user), vhost-client,
// tap, af_packet, af_xdp, pci, pcap, ring, null.
Parsed<switchyard::v1::PortKind> ParsePortKind(std::string_view text, std::string_view option);

// The CLI name of a kind ("vhost-server"); "unspecified" for 0 or unknown.
std::string_view PortKindName(switchyard::v1::PortKind kind);

// "vhost-server, vhost-user, vhost-client, tap, ..." for help and errors.
std::string PortKindList();

// One VLAN → tenant mapping: VLAN (text) is 1..4094, TENANT is non-empty.
// Shared by --trunk and `apply -f`'s `trunk: {VLAN: TENANT}`.
Parsed<switchyard::v1::TrunkVlan> ParseTrunkVlan(std::string_view vlan, std::string_view tenant,
                                                 std::string_view option);

// --trunk values: each "VLAN=TENANT[,VLAN=TENANT...]", the option may be
// repeated. Each mapping as ParseTrunkVlan. Duplicates are controld's.
Parsed<std::vector<switchyard::v1::TrunkVlan>> ParseTrunkSpecs(
    const std::vector<std::string>& specs, std::string_view option);

// An IPv4 address without a prefix ("192.0.2.2"), as given.
Parsed<std::string> CheckIpv4(std::string_view text, std::string_view option);

// "ADDRESS/PREFIX" with an IPv4 (prefix 0..32) or IPv6 (0..128) address.
// Returns the text unchanged when well formed.
Parsed<std::string> CheckCidr(std::string_view text, std::string_view option);

// Socket path when --socket is not given: $SWITCHYARD_SOCKET if set and
// non-empty, else /run/switchyard/controld.sock. `env` is getenv's result.
std::string DefaultSocketPath(const char* env);

inline constexpr std::string_view kDefaultSocketPath = "/run/switchyard/controld.sock";

}  // namespace yardctl
