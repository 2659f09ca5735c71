// The runtime's record of one live actor. Everything but the mailbox head and
// the pending signal is touched only by the worker currently running the
// actor, so it needs no locks.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include "airssys/rt/actor.hpp"
#include "airssys/rt/actor_context.hpp"
#include "airssys/rt/address.hpp"
#include "airssys/rt/exit_reason.hpp"
#include "airssys/rt/system_messages.hpp"
#include "airssys/rt/timer_id.hpp"
#include "mailbox.hpp"

namespace airssys::rt::detail {

// Out-of-band requests to end an actor, checked between messages so they
// take effect even behind a long mailbox. Higher values win.
enum class PendingSignal : std::uint8_t { none = 0, stop = 1, shutdown = 2, kill = 3 };

struct PendingRequest {
  ReplyCallback callback;
  TimerId timer = 0;
};

// Bookkeeping most actors never need; allocated on first use so an idle
// actor stays small.
struct ActorExtras {
  std::vector<Address> links;
  std::vector<std::pair<MonitorRef, Address>> monitored_by;  // who watches this actor
  std::vector<std::pair<MonitorRef, Address>> monitors;      // whom this actor watches
  std::unordered_map<std::uint64_t, PendingRequest> pending_requests;
  std::unique_ptr<ExitReason> stop_reason;  // set by ActorContext::stop
  std::uint64_t next_request = 0;
  // keep_address: messages kept while the address is parked, oldest first.
  std::deque<MessagePtr> stash;
  // Addresses parked for this actor to respawn or release.
  std::vector<Address> parked_children;
};

struct ActorCell {
  Mailbox mailbox;
  std::atomic<PendingSignal> signal{PendingSignal::none};
  // Parked, and the owner has sent the next incarnation: a kill that comes
  // now is aimed at that one, not at the incarnation that ended.
  std::atomic<bool> respawn_pending{false};
  // Set before a name is registered for this actor, so exiting actors that
  // never had a name skip the registry's lock.
  std::atomic<bool> named{false};
  bool started = false;
  bool trap_exit = false;
  // The actor behind a ScopedActor: replies, exits and downs go to it raw,
  // because its owner thread matches them itself.
  bool forward_all = false;
  bool stop_requested = false;
  // SpawnOptions::keep_address: exits park the address for `owner`.
  bool keep_address = false;
  bool parked = false;
  bool initial_trap_exit = false;
  bool has_stash = false;
  // The request being handled has been answered (reply or reply_error).
  bool current_answered = false;
  std::uint32_t stash_capacity = 0;
  std::uint32_t mailbox_capacity = 0;  // 0 = unbounded
  Address owner;
  MessageKind current_kind = MessageKind::user;
  Address address;
  Address current_sender;
  std::uint64_t current_correlation = 0;
  MessagePtr* current = nullptr;  // the message being handled, owned by the worker
  std::unique_ptr<Actor> actor;
  std::unique_ptr<ActorExtras> extras;

  ActorExtras& ext() {
    if (!extras) extras = std::make_unique<ActorExtras>();
    return *extras;
  }
};

}  // namespace airssys::rt::detail
