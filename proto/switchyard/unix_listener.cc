#include "switchyard/unix_listener.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <vector>

#include <grpcpp/server.h>
#include <grpcpp/server_posix.h>
#include <spdlog/spdlog.h>

namespace switchyard {

namespace {

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// A live process answers on the path.
bool SocketInUse(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  const bool in_use = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return in_use;
}

}  // namespace

bool ResolveGroup(const std::string& group, gid_t* gid, std::string* error) {
  if (group.empty()) {
    *gid = getegid();
    return true;
  }
  unsigned long n = 0;
  auto [end, ec] = std::from_chars(group.data(), group.data() + group.size(), n);
  if (ec == std::errc() && end == group.data() + group.size()) {
    *gid = static_cast<gid_t>(n);
    return true;
  }
  std::vector<char> buf(16384);
  struct group g {};
  struct group* found = nullptr;
  if (getgrnam_r(group.c_str(), &g, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    *error = "group '" + group + "' does not exist (create it, e.g. 'groupadd --system " + group +
             "', or choose another with --socket-group)";
    return false;
  }
  *gid = found->gr_gid;
  return true;
}

std::unique_ptr<UnixListener> UnixListener::Open(const std::string& path,
                                                 const SocketAccess& access, std::string* error) {
  sockaddr_un addr{};
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    *error = "socket path '" + path + "' must be 1.." + std::to_string(sizeof(addr.sun_path) - 1) +
             " bytes";
    return nullptr;
  }
  gid_t gid;
  if (!ResolveGroup(access.group, &gid, error)) {
    if (!access.group_is_default) return nullptr;
    spdlog::warn("{}: only root may connect to {} (create the group to let its members in)",
                 *error, path);
    error->clear();
    gid = 0;
  }
  // The directory: made if missing, owner root, the group may enter.
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) {
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) {
      std::filesystem::create_directories(dir, ec);
      if (ec) {
        *error = "cannot create " + dir.string() + ": " + ec.message();
        return nullptr;
      }
      if (chown(dir.c_str(), geteuid(), gid) != 0 || chmod(dir.c_str(), 0750) != 0) {
        *error = Errno("cannot set the owner and mode of " + dir.string());
        return nullptr;
      }
    }
  }
  if (SocketInUse(path)) {
    *error = path + " is in use: is another instance running?";
    return nullptr;
  }
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      *error = path + " exists and is not a socket: not replacing it";
      return nullptr;
    }
    unlink(path.c_str());
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = Errno("socket");
    return nullptr;
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  // Created owner-only (the umask applies at bind), then opened to the
  // group: never more open than configured, not even for a moment.
  const mode_t old = umask(0177);
  const int rc = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  umask(old);
  if (rc != 0) {
    *error = Errno("bind " + path);
    close(fd);
    return nullptr;
  }
  if (chown(path.c_str(), geteuid(), gid) != 0 || chmod(path.c_str(), access.mode & 0777) != 0) {
    *error = Errno("cannot set the owner and mode of " + path);
    close(fd);
    unlink(path.c_str());
    return nullptr;
  }
  if (listen(fd, 64) != 0) {
    *error = Errno("listen " + path);
    close(fd);
    unlink(path.c_str());
    return nullptr;
  }
  auto l = std::unique_ptr<UnixListener>(new UnixListener(path, fd));
  if (pipe2(l->wake_, O_CLOEXEC) != 0) {
    *error = Errno("pipe");
    return nullptr;
  }
  return l;
}

UnixListener::~UnixListener() {
  Stop();
  if (fd_ >= 0) close(fd_);
  for (int w : wake_)
    if (w >= 0) close(w);
}

void UnixListener::Serve(grpc::Server* server, Admit admit) {
  thread_ = std::thread([this, server, admit = std::move(admit)] { AcceptLoop(server, admit); });
}

void UnixListener::Stop() {
  if (stopping_.exchange(true)) return;
  if (wake_[1] >= 0) {
    const char c = 0;
    (void)!write(wake_[1], &c, 1);
  }
  if (thread_.joinable()) thread_.join();
  unlink(path_.c_str());
}

void UnixListener::AcceptLoop(grpc::Server* server, const Admit& admit) {
  while (!stopping_.load()) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("{}: poll: {}", path_, std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    const int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (c < 0) {
      if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
        spdlog::warn("{}: accept: {}", path_, std::strerror(errno));
      continue;
    }
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
      spdlog::warn("{}: cannot read the peer's credentials ({}): connection closed", path_,
                   std::strerror(errno));
      close(c);
      continue;
    }
    const Peer peer{cred.pid, cred.uid, cred.gid};
    std::string why;
    if (!admit(peer, &why)) {
      spdlog::warn("{}: refused a connection from pid {} uid {} gid {}: {}", path_, peer.pid,
                   peer.uid, peer.gid, why);
      close(c);
      continue;
    }
    spdlog::debug("{}: connection from pid {} uid {} gid {}", path_, peer.pid, peer.uid, peer.gid);
    grpc::AddInsecureChannelFromFd(server, c);
  }
}

UnixListener::Admit AdmitAnyone() {
  return [](const Peer&, std::string*) { return true; };
}

UnixListener::Admit AdmitUsers(std::vector<uid_t> uids) {
  return [uids = std::move(uids)](const Peer& p, std::string* why) {
    if (p.uid == 0 || std::find(uids.begin(), uids.end(), p.uid) != uids.end()) return true;
    *why = "only root";
    for (uid_t u : uids) *why += " and uid " + std::to_string(u);
    *why += " may program the dataplane";
    return false;
  };
}

}  // namespace switchyard
