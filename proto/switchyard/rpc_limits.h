#pragma once
// Bounds on what the gRPC side of both daemons accepts, so that no caller
// can make either one allocate or block without limit.

namespace switchyard {

// Dataplane service (controld is its only client): a Sync carries the whole
// configuration (16,383 tenants and every port with a full trunk map fit).
inline constexpr int kMaxDataplaneMessageBytes = 64 << 20;
// Control service: one object per request; replies are paged or bounded
// (ListMacs pages of at most 20,000 entries; 16,383 tenants' counters).
inline constexpr int kMaxControlRequestBytes = 4 << 20;
inline constexpr int kMaxControlReplyBytes = 64 << 20;
// Handler threads per server: beyond these a call is refused with
// RESOURCE_EXHAUSTED instead of spawning another thread.
inline constexpr int kMaxDataplaneThreads = 16;
inline constexpr int kMaxControlThreads = 64;
// Concurrent WatchEvents streams the dataplane serves (each holds a thread).
inline constexpr int kMaxEventStreams = 4;

}  // namespace switchyard
