#pragma once
// What a caller may put in a port's devargs, per kind. Both daemons run as
// root and devargs reach DPDK drivers that open files, load programs or
// create further devices, so every key is on an allow-list and every value
// has a shape: numbers are digits, switches are 0 or 1, paths are checked
// syntactically here and confined to a directory by controld. Pure.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/v1/types.pb.h"

namespace switchyard {

// The arguments of `devargs` ("k=v,k2=v2"; for a pci port the PCI address
// first, then its arguments): nullopt, or why they are refused, as
// "port.devargs: ..." naming the argument.
std::optional<std::string> CheckDevargs(const v1::Port& port);

// The value of `key` in comma-separated devargs, if present.
std::optional<std::string> DevargsValue(std::string_view devargs, std::string_view key);

// The devargs keys whose values are file paths (pcap's rx_pcap, tx_pcap).
std::vector<std::string> DevargsPathKeys(v1::PortKind kind);

// A path a caller may name for a socket or file: absolute, already in its
// normal spelling (no "//", "." or ".." components, no trailing "/"), of
// printable characters other than ',' '=' ';' and whitespace (a devargs
// string carries it), and short enough for a unix socket (107 bytes).
// nullopt, or why not, as "FIELD: ...".
std::optional<std::string> CheckPathSyntax(std::string_view field, std::string_view path);

// True if `path` is `dir` or below it, component-wise (/a/bc is not below
// /a/b). Both in their normal spelling.
bool PathUnder(std::string_view path, std::string_view dir);

}  // namespace switchyard
