#include "yaml_input.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>

namespace yardctl {

namespace {

// Parses without building anything (counting documents).
struct IgnoreEvents : YAML::EventHandler {
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

}  // namespace

bool ReadInput(const std::string& file, std::string& text, std::string& error) {
  if (file == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return true;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    error = fmt::format("{}: cannot read: {}", file, std::strerror(errno));
    return false;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  text = buf.str();
  return true;
}

Parsed<std::optional<YAML::Node>> LoadOneDocument(const std::string& text) {
  using R = Parsed<std::optional<YAML::Node>>;
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    IgnoreEvents ignore;
    int n = 0;
    while (n < 2 && parser.HandleNextDocument(ignore)) ++n;
    if (n > 1) return R::Error("more than one YAML document (or text after the first); expected one");
    if (n == 0) return R::Ok(std::nullopt);
    return R::Ok(YAML::Load(text));
  } catch (const YAML::ParserException& e) {
    return R::Error(fmt::format("line {}, column {}: {}", e.mark.line + 1, e.mark.column + 1, e.msg));
  } catch (const YAML::Exception& e) {
    return R::Error(e.what());
  }
}

}  // namespace yardctl
