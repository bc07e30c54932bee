// The rule file of `yardctl rule apply -f FILE`: every rule of one scope,
// in YAML. Pure: text in, request out.
//
//   rules:
//     - name: web
//       priority: 100
//       match: "ip_proto=tcp,dst_port=80"   # optional: every frame
//       action: "allow"
//
// Each rule goes through BuildRule (requests.h), as `rule add` does, so a
// file accepts what the command line accepts. A rule's keys are name,
// priority, match, action and, optionally, tenant or global, which must
// then agree with the scope given (the rules replaced are that scope's).
// Errors name the file, the rule (1-based, with its name once known) and
// the field: "rules.yaml: rule 3 (web): match: unknown key 'dport' (...)".
#pragma once

#include <string>

#include "parse.h"
#include "switchyard/v1/control.pb.h"

namespace yardctl {

// `file_label` starts every error ("rules.yaml", "stdin"). The scope is
// --tenant T or --global, exactly one; each rule gets it. Names must be
// unique within the file. A missing `rules:` key is an error; `rules: []`
// replaces the scope's rules with none.
Parsed<switchyard::v1::ReplaceRulesRequest> ParseRuleFile(const std::string& text,
                                                          const std::string& file_label,
                                                          const std::string& tenant, bool global);

}  // namespace yardctl
