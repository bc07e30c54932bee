// fleet_load: how fast membership changes reach many hosts' controlds
// through etcd (docs/fleet.md, "Scale"). Simulates HOSTS controld watchers
// against a local etcd, each with its own Watch stream like controld's, and
// drives membership changes (a VM migrating to a host that had no port of
// its tenant: that host joins the tenant, the host it left leaves). For each
// change it records when every interested watcher saw it.
//
//   fleet_load --etcd 127.0.0.1:23790 --hosts 500 --tenants 100 --per-host 10 --events 200
//
// --watch fleet: every watcher watches all of members/ (what controld does);
// --watch tenant: a watcher watches only its tenants' members/T/ prefixes.
// Loopback only, and bounded: at most 2,000 watchers and 120 seconds.

#include <arpa/inet.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <grpcpp/grpcpp.h>

#include "fleet/etcd_client.h"

namespace sc = switchyard::controlplane;
namespace etcdpb = ::etcdserverpb;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string etcd = "127.0.0.1:23790";
  uint32_t hosts = 200;
  uint32_t tenants = 100;
  uint32_t per_host = 10;
  uint32_t events = 200;
  uint32_t seconds = 60;
  std::string watch = "fleet";
  std::string root = "/fleet-load/";
};

std::string Member(const Options& o, uint32_t tenant, uint32_t host) {
  return o.root + "members/t" + std::to_string(tenant) + "/h" + std::to_string(host);
}

// Who has seen which revision: per watcher, the newest revision delivered.
class Seen {
 public:
  explicit Seen(size_t n) : rev_(n) {
    for (auto& r : rev_) r.store(0);
  }
  void Saw(size_t w, int64_t rev) {
    int64_t cur = rev_[w].load();
    while (cur < rev && !rev_[w].compare_exchange_weak(cur, rev)) {
    }
    std::lock_guard lock(mu_);
    cv_.notify_all();
  }
  // Waits until every watcher in `who` has seen `rev`; the time each did is
  // not kept here (the watchers stamp it), only whether they all did.
  bool WaitAll(const std::vector<uint32_t>& who, int64_t rev, Clock::time_point deadline) {
    std::unique_lock lock(mu_);
    return cv_.wait_until(lock, deadline, [&] {
      return std::all_of(who.begin(), who.end(), [&](uint32_t w) { return rev_[w].load() >= rev; });
    });
  }

 private:
  std::vector<std::atomic<int64_t>> rev_;
  std::mutex mu_;
  std::condition_variable cv_;
};

struct Stamp {
  int64_t rev;
  Clock::time_point at;
};

double Pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * (v.size() - 1) + 0.5));
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"fleet_load: membership convergence through etcd, many simulated controld watchers"};
  app.add_option("--etcd", o.etcd, "etcd client endpoint, a loopback IPv4:PORT")->capture_default_str();
  app.add_option("--hosts", o.hosts, "simulated hosts (watchers)")->check(CLI::Range(2u, 2000u))->capture_default_str();
  app.add_option("--tenants", o.tenants, "tenants")->check(CLI::Range(1u, 100000u))->capture_default_str();
  app.add_option("--per-host", o.per_host, "tenants each host has ports in")->check(CLI::Range(1u, 1000u))->capture_default_str();
  app.add_option("--events", o.events, "migrations (each: one join, one leave)")->check(CLI::Range(1u, 100000u))->capture_default_str();
  app.add_option("--seconds", o.seconds, "stop after this long")->check(CLI::Range(1u, 120u))->capture_default_str();
  app.add_option("--watch", o.watch, "fleet: watch all of members/; tenant: only one's own tenants")
      ->check(CLI::IsMember({"fleet", "tenant"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::vector<std::string> eps;
  if (auto st = sc::ParseEtcdUrl("etcd://" + o.etcd, eps); !st.ok()) {
    std::fprintf(stderr, "--etcd: %s\n", st.message().c_str());
    return 2;
  }
  in_addr a{};
  if (inet_pton(AF_INET, o.etcd.substr(0, o.etcd.rfind(':')).c_str(), &a) != 1 || (ntohl(a.s_addr) >> 24) != 127) {
    std::fprintf(stderr, "--etcd: must be a loopback address (127.x.y.z:PORT)\n");
    return 2;
  }
  o.per_host = std::min(o.per_host, o.tenants);
  const auto deadline = Clock::now() + std::chrono::seconds(o.seconds);
  sc::EtcdClient client(eps, std::chrono::milliseconds(5000));

  // Steady state: each host is a member of per_host random tenants.
  std::mt19937 rng(42);
  std::vector<std::set<uint32_t>> tenants_of(o.hosts);
  std::map<uint32_t, std::set<uint32_t>> hosts_in;
  std::vector<uint32_t> all(o.tenants);
  for (uint32_t t = 0; t < o.tenants; ++t) all[t] = t;
  for (uint32_t h = 0; h < o.hosts; ++h) {
    std::shuffle(all.begin(), all.end(), rng);
    for (uint32_t i = 0; i < o.per_host; ++i) {
      tenants_of[h].insert(all[i]);
      hosts_in[all[i]].insert(h);
    }
  }
  {
    etcdpb::TxnRequest clear;
    auto* del = clear.add_success()->mutable_request_delete_range();
    del->set_key(o.root);
    del->set_range_end(sc::PrefixEnd(o.root));
    etcdpb::TxnResponse r;
    if (auto st = client.Txn(clear, r); !st.ok()) {
      std::fprintf(stderr, "%s\n", st.message().c_str());
      return 1;
    }
    etcdpb::TxnRequest txn;
    for (uint32_t h = 0; h < o.hosts; ++h) {
      for (uint32_t t : tenants_of[h]) {
        auto* put = txn.add_success()->mutable_request_put();
        put->set_key(Member(o, t, h));
        put->set_value("10.0." + std::to_string(h / 250) + "." + std::to_string(h % 250 + 1));
        if (txn.success_size() == 100) {
          if (auto st = client.Txn(txn, r); !st.ok()) return std::fprintf(stderr, "%s\n", st.message().c_str()), 1;
          txn.Clear();
        }
      }
    }
    if (txn.success_size() > 0)
      if (auto st = client.Txn(txn, r); !st.ok()) return std::fprintf(stderr, "%s\n", st.message().c_str()), 1;
  }
  const size_t keys = static_cast<size_t>(o.hosts) * o.per_host;
  // With --watch tenant the watches are set up once: who watches a tenant.
  const std::map<uint32_t, std::set<uint32_t>> watching = hosts_in;

  // The watchers: one stream each, a channel per 25 (hosts do not share a
  // connection to etcd).
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<etcdpb::Watch::Stub>> stubs;
  for (uint32_t i = 0; i < (o.hosts + 24) / 25; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", static_cast<int>(i));  // distinct channels, distinct connections
    channels.push_back(grpc::CreateCustomChannel("ipv4:" + o.etcd, grpc::InsecureChannelCredentials(), args));
    stubs.push_back(etcdpb::Watch::NewStub(channels.back()));
  }
  Seen seen(o.hosts);
  std::vector<std::vector<Stamp>> stamps(o.hosts);
  std::vector<std::unique_ptr<grpc::ClientContext>> ctxs(o.hosts);
  std::atomic<uint32_t> created{0};
  std::atomic<uint64_t> delivered{0};
  std::vector<std::thread> threads;
  const auto watch_start = Clock::now();
  for (uint32_t h = 0; h < o.hosts; ++h) {
    ctxs[h] = std::make_unique<grpc::ClientContext>();
    threads.emplace_back([&, h] {
      auto stream = stubs[h / 25]->Watch(ctxs[h].get());
      std::vector<std::string> prefixes;
      if (o.watch == "fleet") {
        prefixes.push_back(o.root + "members/");
      } else {
        for (uint32_t t : tenants_of[h]) prefixes.push_back(o.root + "members/t" + std::to_string(t) + "/");
      }
      for (const auto& p : prefixes) {
        etcdpb::WatchRequest req;
        req.mutable_create_request()->set_key(p);
        req.mutable_create_request()->set_range_end(sc::PrefixEnd(p));
        if (!stream->Write(req)) return;
      }
      size_t acks = 0;
      etcdpb::WatchResponse resp;
      while (stream->Read(&resp)) {
        const auto now = Clock::now();
        if (resp.created() && ++acks == prefixes.size()) created++;
        for (const auto& e : resp.events()) {
          stamps[h].push_back({e.kv().mod_revision(), now});
          delivered++;
          seen.Saw(h, e.kv().mod_revision());
        }
      }
    });
  }
  while (created.load() < o.hosts && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const auto watch_ready = Clock::now();

  // Migrations: a VM of tenant t moves from a member host to one that is not.
  struct Change {
    int64_t rev;
    Clock::time_point sent;
    std::vector<uint32_t> who;
  };
  std::vector<Change> changes;
  std::vector<double> convergence_ms;
  uint32_t timed_out = 0, done = 0;
  std::vector<uint32_t> everyone(o.hosts);
  for (uint32_t h = 0; h < o.hosts; ++h) everyone[h] = h;
  const auto start = Clock::now();
  for (uint32_t i = 0; i < o.events && Clock::now() < deadline; ++i) {
    uint32_t t = rng() % o.tenants;
    auto& members = hosts_in[t];
    if (members.empty() || members.size() == o.hosts) continue;
    uint32_t to;
    do to = rng() % o.hosts;
    while (members.count(to));
    auto it = members.begin();
    std::advance(it, rng() % members.size());
    uint32_t from = *it;
    for (int step = 0; step < 2; ++step) {
      etcdpb::TxnRequest txn;
      if (step == 0) {
        auto* put = txn.add_success()->mutable_request_put();
        put->set_key(Member(o, t, to));
        put->set_value("10.1.0.1");
      } else {
        txn.add_success()->mutable_request_delete_range()->set_key(Member(o, t, from));
      }
      // Who must see it: every watcher (fleet), or those watching the tenant.
      std::vector<uint32_t> who;
      if (o.watch == "fleet") who = everyone;
      else if (auto w = watching.find(t); w != watching.end())
        for (uint32_t m : w->second)
          if (m != to && m != from) who.push_back(m);
      const auto sent = Clock::now();
      etcdpb::TxnResponse r;
      if (auto st = client.Txn(txn, r); !st.ok()) return std::fprintf(stderr, "%s\n", st.message().c_str()), 1;
      const int64_t rev = r.header().revision();
      if (!seen.WaitAll(who, rev, std::min(deadline, sent + std::chrono::seconds(10)))) {
        timed_out++;
        continue;
      }
      changes.push_back({rev, sent, std::move(who)});
      done++;
    }
    members.insert(to);
    members.erase(from);
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& c : ctxs) c->TryCancel();
  for (auto& t : threads) t.join();

  // Per change: the last interested watcher's delay; per delivery: each one's.
  std::vector<double> delivery_ms;
  std::map<std::pair<uint32_t, int64_t>, Clock::time_point> at;
  for (uint32_t h = 0; h < o.hosts; ++h)
    for (const auto& s : stamps[h]) at[{h, s.rev}] = s.at;
  for (const auto& c : changes) {
    double worst = 0;
    for (uint32_t w : c.who) {
      auto it = at.find({w, c.rev});
      if (it == at.end()) continue;
      double ms = std::chrono::duration<double, std::milli>(it->second - c.sent).count();
      delivery_ms.push_back(ms);
      worst = std::max(worst, ms);
    }
    convergence_ms.push_back(worst);
  }
  std::printf("fleet_load: %u watchers (--watch %s), %u tenants, %u per host: %zu member keys; watches up in %.0f ms\n",
              o.hosts, o.watch.c_str(), o.tenants, o.per_host, keys,
              std::chrono::duration<double, std::milli>(watch_ready - watch_start).count());
  std::printf("changes: %u done, %u timed out, in %.1f s; %llu events delivered (%.0f per change, %.0f per second)\n",
              done, timed_out, elapsed, static_cast<unsigned long long>(delivered.load()),
              done ? static_cast<double>(delivered.load()) / done : 0.0, delivered.load() / std::max(elapsed, 1e-9));
  std::printf("convergence (ms, last watcher): p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", Pct(convergence_ms, 50),
              Pct(convergence_ms, 90), Pct(convergence_ms, 99), Pct(convergence_ms, 100));
  std::printf("delivery (ms, each watcher): p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", Pct(delivery_ms, 50),
              Pct(delivery_ms, 90), Pct(delivery_ms, 99), Pct(delivery_ms, 100));
  return timed_out == 0 && done > 0 ? 0 : 1;
}
