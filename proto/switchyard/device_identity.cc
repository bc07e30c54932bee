#include "switchyard/device_identity.h"

#include <cstdint>
#include <cstdio>
#include <vector>

namespace switchyard {

namespace {

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// `text` is `min`..`max` hex digits; their value in `*out`.
bool ParseHex(std::string_view text, size_t min, size_t max, uint32_t* out) {
  if (text.size() < min || text.size() > max) return false;
  uint32_t v = 0;
  for (char c : text) {
    if (!IsHex(c)) return false;
    v = v * 16 + static_cast<uint32_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  *out = v;
  return true;
}

}  // namespace

std::optional<std::string> CanonicalPciAddress(std::string_view text) {
  // [domain:]bus:device.function: 4..8, 2, 2 and 1 hex digits.
  uint32_t domain = 0, bus = 0, dev = 0, fn = 0;
  size_t dot = text.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::string_view head = text.substr(0, dot);
  size_t colon = head.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view dom_bus = head.substr(0, colon);
  size_t colon2 = dom_bus.rfind(':');
  if (colon2 != std::string_view::npos) {
    if (!ParseHex(dom_bus.substr(0, colon2), 4, 8, &domain)) return std::nullopt;
    dom_bus = dom_bus.substr(colon2 + 1);
  }
  if (!ParseHex(dom_bus, 2, 2, &bus) || !ParseHex(head.substr(colon + 1), 2, 2, &dev) ||
      dev > 0x1f || !ParseHex(text.substr(dot + 1), 1, 1, &fn) || fn > 7)
    return std::nullopt;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04x:%02x:%02x.%x", domain, bus, dev, fn);
  return std::string(buf);
}

std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (path.empty() || path.front() != '/') {
        parts.push_back(part);  // a relative path may start above its base
      }
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  std::string out = !path.empty() && path.front() == '/' ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '/';
    out += parts[i];
  }
  return out.empty() ? "." : out;
}

std::vector<std::string_view> DevargsValues(std::string_view devargs, std::string_view key) {
  std::vector<std::string_view> values;
  size_t start = 0;
  while (start <= devargs.size()) {
    size_t end = devargs.find(',', start);
    if (end == std::string_view::npos) end = devargs.size();
    std::string_view arg = devargs.substr(start, end - start);
    size_t eq = arg.find('=');
    if (arg.substr(0, eq) == key)
      values.push_back(eq == std::string_view::npos ? std::string_view() : arg.substr(eq + 1));
    start = end + 1;
  }
  return values;
}

bool DevargsHasKey(std::string_view devargs, std::string_view key) {
  return !DevargsValues(devargs, key).empty();
}

}  // namespace switchyard
