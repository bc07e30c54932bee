#pragma once
// How both daemons tell whether two ports name the same device: PCI
// addresses and socket paths in one canonical spelling. Pure.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard {

// "0000:01:00.0" for a PCI address written "0000:01:00.0" or "01:00.0"
// (hex digits in either case); nullopt for anything else, a vdev name
// ("net_tap_vm1") among them.
std::optional<std::string> CanonicalPciAddress(std::string_view text);

// A path with "//", "/./" and "/x/.." folded away, so that two spellings of
// one socket path compare equal.
std::string NormalizePath(std::string_view path);

// True if one of the comma-separated `key=value` arguments of `devargs` has
// key `key`.
bool DevargsHasKey(std::string_view devargs, std::string_view key);

// The values of every `key=value` argument of `devargs` with key `key`, in
// order ("" for a bare `key`).
std::vector<std::string_view> DevargsValues(std::string_view devargs, std::string_view key);

}  // namespace switchyard
