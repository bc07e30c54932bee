#pragma once
// Field rules of Tenant and Port (types.proto), one object at a time. Pure
// functions, callable from any thread. Every failure is INVALID_ARGUMENT with a
// message that starts with the field path, e.g.
//   port.access_vlan: must be 0 or 1..4094, got 5000

#include <optional>
#include <string>
#include <string_view>

#include "model/status.h"
#include "switchyard/device_identity.h"
#include "switchyard/rule_syntax.h"
#include "switchyard/v1/types.pb.h"

namespace switchyard::controlplane {

namespace pb = ::switchyard::v1;

inline constexpr uint32_t kMaxTenantId = 16383;
inline constexpr uint32_t kMaxMacLimit = 1048576;
inline constexpr uint32_t kMaxVni = 16777215;
inline constexpr size_t kMaxIfaceLen = 15;  // IFNAMSIZ - 1

// Object names: 1..32 characters of [A-Za-z0-9_.-].
Status ValidateName(const std::string& field, const std::string& name);

// Fills what the control plane defaults and drops what it owns: clears
// `generation`, defaults a tap port's iface to its name and the VTEP
// interface of a port with a vtep_ip to "vtep-" + its name (if that fits).
void NormalizePort(pb::Port& port);

// id 0 is accepted (it means "assign one" on create).
Status ValidateTenant(const pb::Tenant& tenant);

// Expects a normalized port.
Status ValidatePort(const pb::Port& port);

// Fills `limit.name` from what it limits ("port/P/in", "port/P/out",
// "tenant/T", "port/P/storm-broadcast"), the direction's default (IN), and
// checks the fields on their own (ranges, which combinations exist).
Status NormalizeLimit(pb::Limit& limit);
// Only what a limit applies to (port or tenant, direction, storm class)
// and its name: what `limit clear` needs.
Status LimitTarget(pb::Limit& limit);

// Checks a rule's fields on their own (docs/flow-rules.md): name, exactly
// one scope, priority, the match and the actions; writes the match in its
// canonical spelling and clears `generation`. `parsed` (optional) gets the
// checked match.
Status NormalizeRule(pb::Rule& rule, rules::Match* parsed = nullptr);

// Fills `vtep.name` (TENANT@REMOTE, the address in its canonical spelling)
// and checks the fields on their own: a tenant name, a unicast IPv4
// remote address.
Status NormalizeVtep(pb::Vtep& vtep);

// "10.0.0.1/24", "fd00::1/64": an address with a prefix length in range.
bool IsCidr(const std::string& text);

// The PCI address a pci port's devargs start with, canonical; nullopt for
// other kinds or devargs that do not start with one.
std::optional<std::string> PciAddressOf(const pb::Port& port);

// CanonicalPciAddress and NormalizePath: switchyard/device_identity.h.
using ::switchyard::CanonicalPciAddress;
using ::switchyard::NormalizePath;

}  // namespace switchyard::controlplane
