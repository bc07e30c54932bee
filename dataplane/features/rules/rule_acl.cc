#include "features/rules/rule_acl.h"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstring>

#include <fmt/format.h>
#include <rte_acl.h>
#include <rte_errno.h>
#include <rte_malloc.h>

namespace switchyard {

namespace {

// The fields, in RuleKey's layout. Both contexts share the first eleven;
// IPv4 addresses are one 4-byte field each, IPv6 ones four.
enum Field : uint8_t {
  kProto, kEthertype, kVlan, kSport, kDport, kInPort, kSmacLo, kSmacHi, kDmacHi, kDmacLo, kFlags,
  kCommonFields
};
constexpr uint32_t kV4Fields = kCommonFields + 2;
constexpr uint32_t kV6Fields = kCommonFields + 8;

RTE_ACL_RULE_DEF(AclRuleV6, kV6Fields);

void CommonDefs(rte_acl_config* cfg) {
  struct Def {
    uint8_t type, size, input;
    uint32_t offset;
  };
  const Def defs[kCommonFields] = {
      {RTE_ACL_FIELD_TYPE_BITMASK, 1, 0, offsetof(RuleKey, proto)},
      {RTE_ACL_FIELD_TYPE_BITMASK, 2, 1, offsetof(RuleKey, ethertype)},
      {RTE_ACL_FIELD_TYPE_BITMASK, 2, 1, offsetof(RuleKey, vlan)},
      {RTE_ACL_FIELD_TYPE_RANGE, 2, 2, offsetof(RuleKey, sport)},
      {RTE_ACL_FIELD_TYPE_RANGE, 2, 2, offsetof(RuleKey, dport)},
      {RTE_ACL_FIELD_TYPE_BITMASK, 2, 3, offsetof(RuleKey, in_port)},
      {RTE_ACL_FIELD_TYPE_BITMASK, 2, 3, offsetof(RuleKey, smac_lo)},
      {RTE_ACL_FIELD_TYPE_BITMASK, 4, 4, offsetof(RuleKey, smac_hi)},
      {RTE_ACL_FIELD_TYPE_BITMASK, 4, 5, offsetof(RuleKey, dmac_hi)},
      {RTE_ACL_FIELD_TYPE_BITMASK, 2, 6, offsetof(RuleKey, dmac_lo)},
      {RTE_ACL_FIELD_TYPE_BITMASK, 2, 6, offsetof(RuleKey, flags)},
  };
  for (uint8_t i = 0; i < kCommonFields; ++i) {
    cfg->defs[i].type = defs[i].type;
    cfg->defs[i].size = defs[i].size;
    cfg->defs[i].field_index = i;
    cfg->defs[i].input_index = defs[i].input;
    cfg->defs[i].offset = defs[i].offset;
  }
}

rte_acl_config ConfigFor(KeyFamily f) {
  rte_acl_config cfg{};
  cfg.num_categories = 1;
  CommonDefs(&cfg);
  const uint32_t words = f == KeyFamily::kIpv6 ? 4 : 1;  // per address
  cfg.num_fields = kCommonFields + 2 * words;
  for (uint32_t a = 0; a < 2; ++a) {
    for (uint32_t w = 0; w < words; ++w) {
      const uint32_t i = kCommonFields + a * words + w;
      cfg.defs[i].type = RTE_ACL_FIELD_TYPE_MASK;
      cfg.defs[i].size = 4;
      cfg.defs[i].field_index = static_cast<uint8_t>(i);
      cfg.defs[i].input_index = static_cast<uint8_t>(7 + a * words + w);
      cfg.defs[i].offset = static_cast<uint32_t>(offsetof(RuleKey, addr) + (a * words + w) * 4);
    }
  }
  return cfg;
}

void Bitmask(rte_acl_field& f, uint32_t value, uint32_t mask, uint8_t size) {
  switch (size) {
    case 1: f.value.u8 = static_cast<uint8_t>(value); f.mask_range.u8 = static_cast<uint8_t>(mask); break;
    case 2: f.value.u16 = static_cast<uint16_t>(value); f.mask_range.u16 = static_cast<uint16_t>(mask); break;
    default: f.value.u32 = value; f.mask_range.u32 = mask; break;
  }
}

// A prefix as `words` 4-byte MASK fields (prefix length per word).
void Prefix(rte_acl_field* f, const rules::Prefix& p, uint32_t words) {
  for (uint32_t w = 0; w < words; ++w) {
    if (!p.set) {
      f[w].value.u32 = 0;
      f[w].mask_range.u32 = 0;
      continue;
    }
    const uint8_t* a = p.addr.data() + w * 4;
    f[w].value.u32 = uint32_t{a[0]} << 24 | uint32_t{a[1]} << 16 | uint32_t{a[2]} << 8 | a[3];
    const int bits = std::clamp(int{p.len} - static_cast<int>(w) * 32, 0, 32);
    f[w].mask_range.u32 = static_cast<uint32_t>(bits);
  }
}

// Whether a rule can hold for frames of this classifier, and its fields.
bool Fill(const AclRule& r, KeyFamily family, AclRuleV6* out) {
  const rules::Match& m = r.match;
  const bool v6 = family == KeyFamily::kIpv6;
  if (v6 ? (m.families & rules::kIpv6) == 0 : (m.families & (rules::kIpv4 | rules::kOther)) == 0)
    return false;
  std::memset(out, 0, sizeof *out);
  out->data.category_mask = 1;
  out->data.priority = static_cast<int32_t>(r.priority + 1);  // rte_acl's lowest is 1
  out->data.userdata = r.result;
  rte_acl_field* f = out->field;
  Bitmask(f[kProto], m.ip_proto.value_or(0), m.ip_proto ? 0xff : 0, 1);
  uint32_t ethertype = m.ethertype, ethermask = m.ethertype != 0 ? 0xffff : 0;
  if (ethermask == 0 && !v6 && (m.families & rules::kOther) == 0) {
    // IPv4 only (an address, or a protocol): not the non-IP frames here.
    ethertype = rules::kEtherIpv4;
    ethermask = 0xffff;
  }
  Bitmask(f[kEthertype], ethertype, ethermask, 2);
  Bitmask(f[kVlan], m.vlan.value_or(0), m.vlan ? 0xffff : 0, 2);
  f[kSport].value.u16 = m.src_port.lo;
  f[kSport].mask_range.u16 = m.src_port.hi;
  f[kDport].value.u16 = m.dst_port.lo;
  f[kDport].mask_range.u16 = m.dst_port.hi;
  Bitmask(f[kInPort], r.in_port < 0 ? 0 : static_cast<uint32_t>(r.in_port), r.in_port < 0 ? 0 : 0xffff, 2);
  Bitmask(f[kSmacLo], m.src_mac.value & 0xffff, m.src_mac.mask & 0xffff, 2);
  Bitmask(f[kSmacHi], static_cast<uint32_t>(m.src_mac.value >> 16), static_cast<uint32_t>(m.src_mac.mask >> 16), 4);
  Bitmask(f[kDmacHi], static_cast<uint32_t>(m.dst_mac.value >> 16), static_cast<uint32_t>(m.dst_mac.mask >> 16), 4);
  Bitmask(f[kDmacLo], m.dst_mac.value & 0xffff, m.dst_mac.mask & 0xffff, 2);
  const bool ports = m.src_port.set || m.dst_port.set;
  Bitmask(f[kFlags], ports ? kKeyHasPorts : 0, ports ? kKeyHasPorts : 0, 2);
  const uint32_t words = v6 ? 4 : 1;
  Prefix(f + kCommonFields, m.src_ip, words);
  Prefix(f + kCommonFields + words, m.dst_ip, words);
  return true;
}

size_t HeapInUse() {
  size_t total = 0;
  for (int socket = 0; socket < RTE_MAX_NUMA_NODES; ++socket) {
    rte_malloc_socket_stats st{};
    if (rte_malloc_get_socket_stats(socket, &st) == 0) total += st.heap_allocsz_bytes;
  }
  return total;
}

std::atomic<uint64_t> acl_names{0};

}  // namespace

std::unique_ptr<AclClassifier> AclClassifier::Build(const std::vector<AclRule>& rules,
                                                    std::string* error, size_t max_bytes) {
  std::unique_ptr<AclClassifier> c(new AclClassifier());
  c->rules_ = rules.size();
  const size_t heap_before = HeapInUse();
  for (KeyFamily family : {KeyFamily::kIpv4OrOther, KeyFamily::kIpv6}) {
    rte_acl_config cfg = ConfigFor(family);
    cfg.max_size = max_bytes;
    std::vector<AclRuleV6> filled;
    filled.reserve(rules.size());
    for (const AclRule& r : rules) {
      AclRuleV6 one;
      if (Fill(r, family, &one)) filled.push_back(one);
    }
    if (filled.empty()) continue;
    // rte_acl_create hands back an existing context of the same name, so
    // every build has its own.
    const std::string name = fmt::format("sy_rules_{}", acl_names.fetch_add(1));
    rte_acl_param param{};
    param.name = name.c_str();
    param.socket_id = SOCKET_ID_ANY;
    param.rule_size = RTE_ACL_RULE_SZ(cfg.num_fields);
    param.max_rule_num = static_cast<uint32_t>(filled.size());
    rte_acl_ctx* ctx = rte_acl_create(&param);
    if (ctx == nullptr) {
      *error = fmt::format("rte_acl_create: {}", rte_strerror(rte_errno));
      return nullptr;
    }
    const size_t i = family == KeyFamily::kIpv6 ? 1 : 0;
    c->ctx_[i] = ctx;
    // rte_acl_add_rules reads rule_size bytes per rule: pack them.
    std::vector<uint8_t> packed(filled.size() * param.rule_size);
    for (size_t k = 0; k < filled.size(); ++k)
      std::memcpy(packed.data() + k * param.rule_size, &filled[k], param.rule_size);
    int rc = rte_acl_add_rules(ctx, reinterpret_cast<const rte_acl_rule*>(packed.data()),
                               static_cast<uint32_t>(filled.size()));
    if (rc == 0) rc = rte_acl_build(ctx, &cfg);
    if (rc != 0) {
      *error = fmt::format("rte_acl_build of {} rules: {}", filled.size(), rte_strerror(-rc));
      return nullptr;
    }
  }
  const size_t heap_after = HeapInUse();
  c->memory_ = heap_after > heap_before ? heap_after - heap_before : 0;
  return c;
}

AclClassifier::~AclClassifier() {
  for (rte_acl_ctx* ctx : ctx_) rte_acl_free(ctx);
}

void AclClassifier::Classify(KeyFamily family, const uint8_t** keys, uint32_t* results,
                             uint32_t n) const {
  const rte_acl_ctx* ctx = ctx_[family == KeyFamily::kIpv6 ? 1 : 0];
  if (ctx == nullptr) {
    std::memset(results, 0, n * sizeof *results);
    return;
  }
  rte_acl_classify(ctx, keys, results, n, 1);
}

}  // namespace switchyard
