// What yardctl's file commands share: reading a file (or stdin for "-") and
// loading exactly one YAML document from it.
#pragma once

#include <optional>
#include <string>

#include <yaml-cpp/yaml.h>

#include "parse.h"

namespace yardctl {

// The whole of `file`, or stdin when it is "-"; false and `error` ("FILE:
// cannot read: REASON") otherwise.
bool ReadInput(const std::string& file, std::string& text, std::string& error);

// The one YAML document of `text`: nullopt for an empty text, an error for
// a syntax error ("line L, column C: ...") or more than one document.
// Documents are counted first, stopping at two: yaml-cpp's LoadAll never
// returns on text such as "[], {}" (every call makes another empty document
// without consuming input) until memory runs out.
Parsed<std::optional<YAML::Node>> LoadOneDocument(const std::string& text);

}  // namespace yardctl
