#pragma once
// The unix socket a daemon serves gRPC on, with its access checks: the
// socket is created owner-only, then given its group and mode (default
// root:switchyard 0660); every connection's peer credentials (SO_PEERCRED)
// are read and put to the daemon's policy before gRPC sees a byte, and a
// refused peer is disconnected at once and logged. Accepted connections
// are handed to the gRPC server (AddInsecureChannelFromFd).
//
// Threads: Serve() starts one accept thread; Stop() ends it.

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace grpc {
class Server;
}

namespace switchyard {

struct SocketAccess {
  std::string group = "switchyard";  // name or number; "" = the daemon's own group
  unsigned mode = 0660;
  // The group was not chosen by the operator: if it does not exist, the
  // socket is root's alone (group root) and a warning says so, instead of
  // the daemon refusing to start.
  bool group_is_default = true;
};

struct Peer {
  pid_t pid;
  uid_t uid;
  gid_t gid;
};

// The group id `group` names (a name or a number); nullopt-like -1 and
// `error` set if there is none.
bool ResolveGroup(const std::string& group, gid_t* gid, std::string* error);

class UnixListener {
 public:
  // True to admit the peer; false disconnects it (`why` is logged).
  using Admit = std::function<bool(const Peer& peer, std::string* why)>;

  // Binds `path` (replacing a stale socket, refusing one a live process
  // serves), creating its directory (mode 0750 with the group) if missing.
  // Null and `error` set on failure.
  static std::unique_ptr<UnixListener> Open(const std::string& path, const SocketAccess& access,
                                            std::string* error);
  ~UnixListener();
  UnixListener(const UnixListener&) = delete;
  UnixListener& operator=(const UnixListener&) = delete;

  // Accepts connections until Stop(), handing admitted ones to `server`
  // (built and started without listening ports).
  void Serve(grpc::Server* server, Admit admit);
  // Stops accepting and unlinks the socket. Idempotent.
  void Stop();

  const std::string& path() const { return path_; }

 private:
  UnixListener(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  void AcceptLoop(grpc::Server* server, const Admit& admit);

  const std::string path_;
  int fd_;
  int wake_[2] = {-1, -1};  // Stop() writes here to end the accept loop
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// The policy of a socket whose file permissions are the boundary: every
// peer that could open it is admitted (and logged at debug level).
UnixListener::Admit AdmitAnyone();
// Root and the given user ids only.
UnixListener::Admit AdmitUsers(std::vector<uid_t> uids);

}  // namespace switchyard
