#pragma once
// Prometheus metrics (docs/operations.md, Metrics): controld serves
// /metrics over HTTP when started with --metrics. Each scrape asks the
// dataplane for its counters (one GetStats: the workers' counters are read,
// never locked) and turns them into metric families: every counter field of
// the Stats messages becomes a metric by its proto name, so a counter added
// to types.proto shows up here with no code of its own.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "switchyard/v1/control.pb.h"
#include "switchyard/v1/types.pb.h"

namespace prometheus {
class Exposer;
}

namespace switchyard::controlplane {

namespace pb = ::switchyard::v1;

class Controller;

// What one scrape is made from.
struct ScrapeInput {
  const pb::Stats* stats = nullptr;  // null: the dataplane did not answer
  pb::Status status;
  std::map<std::string, pb::Port> ports;  // the desired ports, by name (labels)
  double stats_seconds = 0;               // how long GetStats took
};

// The families of one scrape, in a stable order. Pure.
std::vector<prometheus::MetricFamily> BuildMetrics(const ScrapeInput& in);

// "[ADDR:]PORT" (ADDR an IPv4 address or [IPv6]; loopback when left out)
// as the listening address civetweb takes; nullopt and `*error` (naming
// --metrics) when it is not one.
std::optional<std::string> ParseMetricsAddress(const std::string& value, std::string* error);

// The HTTP endpoint: serves `controller`'s metrics on `listen` until
// destroyed. Throws std::runtime_error when it cannot listen.
class MetricsServer {
 public:
  MetricsServer(const std::string& listen, const Controller& controller);
  ~MetricsServer();

 private:
  std::shared_ptr<prometheus::Collectable> collector_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace switchyard::controlplane
