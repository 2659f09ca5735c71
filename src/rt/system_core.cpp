#include "system_core.hpp"

#include <algorithm>
#include <exception>
#include <limits>
#include <thread>

namespace airssys::rt::detail {

namespace {

template <class T>
MessagePtr make_system_message(MessageKind kind, Address sender, std::uint64_t correlation,
                               T&& payload) {
  MessagePtr m = make_message(std::forward<T>(payload), kind);
  m->sender = sender;
  m->correlation = correlation;
  return m;
}

}  // namespace

ExitReason exit_reason_from_current_exception() {
  try {
    throw;
  } catch (const std::exception& e) {
    return ExitReason::error(e.what());
  } catch (...) {
    return ExitReason::error("unknown exception");
  }
}

SystemCore::SystemCore(ActorSystem& owner, ActorSystemConfig config)
    : owner_(owner),
      config_(std::move(config)),
      clock_(config_.clock ? config_.clock : std::make_shared<SteadyClock>()),
      timers_(*clock_, [this](std::vector<TimerService::Pending>& due) { deliver_due(due); }),
      scheduler_(
          config_.workers == 0 ? std::max(1u, std::thread::hardware_concurrency())
                               : config_.workers,
          [this](ActorCell* cell, std::uint64_t& handled) { return run_turn(cell, handled); }) {
  if (config_.messages_per_turn == 0) config_.messages_per_turn = 1;
  timers_.start();
  scheduler_.start();
}

SystemCore::~SystemCore() = default;

void SystemCore::emit(SystemEvent event) {
  if (!config_.events) return;
  event.at = clock_->now();
  config_.events->on_event(event);
}

void SystemCore::dead_letter(Address to, const Message& msg, DeadLetterReason reason) {
  dead_letters_.fetch_add(1, std::memory_order_relaxed);
  if (!config_.events) return;
  SystemEvent e;
  e.kind = EventKind::dead_letter;
  e.actor = to;
  e.dead_letter = DeadLetter{to, msg.sender, msg.kind, msg.type(), reason};
  emit(std::move(e));
}

SystemStats SystemCore::stats() const {
  SystemStats s;
  s.spawned = spawned_.load(std::memory_order_relaxed);
  s.exited = exited_.load(std::memory_order_relaxed);
  s.live = live_.load(std::memory_order_relaxed);
  s.dead_letters = dead_letters_.load(std::memory_order_relaxed);
  s.messages_handled = scheduler_.messages_handled();
  return s;
}

// --- spawning ---------------------------------------------------------------

Result<Address> SystemCore::spawn(std::unique_ptr<Actor> actor, const SpawnOptions& options,
                                  SpawnLinks links, bool forward_all) {
  if (!actor) return Error{ErrorCode::invalid_argument, "spawn: no actor given"};
  if (options.keep_address && (links.parent == nullptr || !links.link)) {
    return Error{ErrorCode::invalid_argument,
                 "spawn: keep_address needs a linked spawn from inside an actor (its owner)"};
  }
  // Counted before the stopping check: shutdown() sets stopping and then
  // waits for live == 0, so an actor that passes the check is waited for.
  live_.fetch_add(1, std::memory_order_seq_cst);
  auto undo_live = [this] {
    if (live_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard lock(shutdown_mutex_);
      all_exited_.notify_all();
    }
  };
  if (stopping_.load(std::memory_order_seq_cst)) {
    undo_live();
    return Error{ErrorCode::system_stopping, "spawn: the actor system is shutting down"};
  }
  const Address address = table_.allocate();
  if (address.is_none()) {
    undo_live();
    return Error{ErrorCode::resource_exhausted, "spawn: the actor table is full"};
  }
  auto* cell = new ActorCell;
  cell->address = address;
  cell->actor = std::move(actor);
  cell->trap_exit = options.trap_exit;
  cell->initial_trap_exit = options.trap_exit;
  cell->forward_all = forward_all || options.relay;
  cell->mailbox_capacity = static_cast<std::uint32_t>(
      std::min<std::size_t>(options.mailbox_capacity, std::numeric_limits<std::uint32_t>::max()));
  if (options.keep_address) {
    cell->keep_address = true;
    cell->owner = links.parent->address;
    cell->stash_capacity = static_cast<std::uint32_t>(options.stash_capacity);
  }
  if (links.parent != nullptr && links.link) {
    cell->ext().links.push_back(links.parent->address);
    links.parent->ext().links.push_back(address);
  }
  if (links.parent != nullptr && links.monitor != 0) {
    cell->ext().monitored_by.emplace_back(links.monitor, links.parent->address);
    links.parent->ext().monitors.emplace_back(links.monitor, address);
  }
  table_.publish(address, cell);
  spawned_.fetch_add(1, std::memory_order_relaxed);

  if (!options.name.empty()) {
    if (auto r = register_name(options.name, address, options.local_name); !r) {
      // Nobody has the address yet; end the actor before it runs. Its stop
      // hook does not run (it never started) but links and monitors fire.
      if (links.parent != nullptr) {
        if (links.link) {
          erase_first(links.parent->ext().links, [&](Address a) { return a == address; });
          cell->ext().links.clear();
        }
        if (links.monitor != 0) {
          erase_first(links.parent->ext().monitors,
                      [&](const auto& m) { return m.first == links.monitor; });
          cell->ext().monitored_by.clear();
        }
      }
      cell->keep_address = false;
      finish(cell, ExitReason::error(r.error().message));
      return r.error();
    }
  }
  if (config_.events) {
    SystemEvent e;
    e.kind = EventKind::actor_spawned;
    e.actor = address;
    emit(std::move(e));
  }
  // A shutdown that started after our check may have scanned the table
  // before publish(); make sure this actor stops too.
  if (stopping_.load(std::memory_order_seq_cst)) {
    cell->signal.store(PendingSignal::shutdown, std::memory_order_release);
  }
  scheduler_.schedule(cell);
  return address;
}

Result<void> SystemCore::register_name(std::string name, Address a, bool local) {
  ActorCell* cell = table_.pin(a);
  if (cell == nullptr) {
    return Error{ErrorCode::no_such_actor,
                 "cannot register '" + name + "': actor " + a.to_string() + " is not alive"};
  }
  // Holding the pin keeps the actor from finishing its exit until the name
  // is in the registry, so its exit always sees `named` and removes it.
  cell->named.store(true, std::memory_order_release);
  const std::string claimed = name;
  auto r = names_.add(
      std::move(name), a, [this](Address x) { return table_.is_alive(x); }, local);
  NameDirectory* directory = local ? nullptr : directory_.load(std::memory_order_acquire);
  if (r && directory) {
    if (auto claim = directory->claim(claimed, a); !claim) {
      (void)names_.remove(claimed);
      r = claim.error();
    }
  }
  table_.unpin(a);
  return r;
}

Result<void> SystemCore::unregister_name(std::string_view name) {
  const auto holder = names_.find(name);
  auto removed = names_.remove(name);
  if (!removed) return removed.error();
  if (NameDirectory* directory = directory_.load(std::memory_order_acquire);
      directory && !*removed) {
    directory->release(name, *holder);
  }
  return {};
}

void SystemCore::forget_names(Address a) {
  auto names = names_.remove_all(a);
  if (NameDirectory* directory = directory_.load(std::memory_order_acquire)) {
    for (const auto& name : names) directory->release(name, a);
  }
}

std::optional<Address> SystemCore::whereis(std::string_view name) const {
  if (auto local = names_.find(name)) return local;
  if (NameDirectory* directory = directory_.load(std::memory_order_acquire)) {
    return directory->resolve(name);
  }
  return std::nullopt;
}

void SystemCore::set_name_directory(std::shared_ptr<NameDirectory> directory) {
  directory_owner_ = std::move(directory);
  directory_.store(directory_owner_.get(), std::memory_order_release);
}

// --- delivery ---------------------------------------------------------------

Result<void> SystemCore::deliver(Address to, MessagePtr msg) {
  Result<void> result;
  if (ActorCell* cell = push_to_mailbox(to, std::move(msg), result)) {
    scheduler_.schedule(cell);
    table_.unpin(to);
  }
  return result;
}

ActorCell* SystemCore::push_to_mailbox(Address to, MessagePtr msg, Result<void>& result) {
  ActorCell* cell = table_.pin(to);
  if (cell == nullptr) {
    bounce(to, std::move(msg));
    result = Error{ErrorCode::no_such_actor, "actor " + to.to_string() + " is not alive"};
    return nullptr;
  }
  if (cell->mailbox_capacity != 0 &&
      (msg->kind == MessageKind::user || msg->kind == MessageKind::request) &&
      cell->mailbox.depth() >= cell->mailbox_capacity) {
    const std::uint32_t capacity = cell->mailbox_capacity;
    table_.unpin(to);
    // The sender learns it from the result (a requester fails its request
    // with it); the message itself is recorded as a dead letter.
    dead_letter(to, *msg, DeadLetterReason::mailbox_full);
    result = Error{ErrorCode::resource_exhausted, "the mailbox of actor " + to.to_string() +
                                                      " is full (" + std::to_string(capacity) +
                                                      " messages)"};
    return nullptr;
  }
  if (cell->mailbox.push(msg.release()) == Mailbox::PushResult::queued_and_unblocked) {
    return cell;  // still pinned: the caller schedules it, then unpins
  }
  table_.unpin(to);
  return nullptr;
}

void SystemCore::deliver_due(std::vector<TimerService::Pending>& due) {
  if (due.size() == 1) {
    (void)deliver(due.front().to, std::move(due.front().msg));
    return;
  }
  // Timers fall due in bursts (periodic health checks share a grid): one
  // hand-over to the scheduler wakes the workers once for the whole burst,
  // instead of a futex wake-up per message while they drain it.
  for (const auto& pending : due) {
    table_.prefetch_slot(pending.to);
    __builtin_prefetch(pending.msg.get(), 1);
  }
  for (const auto& pending : due) table_.prefetch_cell(pending.to);
  std::vector<ActorCell*> cells;
  std::vector<Address> pinned;
  for (auto& pending : due) {
    Result<void> ignored;  // a timer's message to a dead actor is bounced
    if (ActorCell* cell = push_to_mailbox(pending.to, std::move(pending.msg), ignored)) {
      cells.push_back(cell);
      pinned.push_back(pending.to);
    }
  }
  scheduler_.schedule_all(cells);
  for (Address a : pinned) table_.unpin(a);
}

Result<void> SystemCore::deliver_by_name(std::string_view name, MessagePtr msg) {
  auto to = whereis(name);
  if (!to) {
    dead_letter(Address::none(), *msg, DeadLetterReason::no_such_actor);
    return Error{ErrorCode::name_not_found,
                 "no actor is registered as '" + std::string(name) + "'"};
  }
  return deliver(*to, std::move(msg));
}

void SystemCore::bounce(Address to, MessagePtr msg) {
  switch (msg->kind) {
    case MessageKind::link:
      // Erlang: linking to a process that does not exist yields noproc.
      if (msg->sender) {
        (void)deliver(msg->sender,
                      make_system_message(MessageKind::exit_signal, to, 0,
                                          ExitMessage{to, ExitReason::noproc(), true}));
      }
      return;
    case MessageKind::monitor:
      if (msg->sender) {
        (void)deliver(msg->sender,
                      make_system_message(MessageKind::down, to, msg->correlation,
                                          DownMessage{msg->correlation, to, ExitReason::noproc()}));
      }
      return;
    default:
      if (carries_content(msg->kind)) dead_letter(to, *msg, DeadLetterReason::no_such_actor);
      return;
  }
}

Result<void> SystemCore::signal(Address target, PendingSignal signal) {
  ActorCell* cell = table_.pin(target);
  if (cell == nullptr) {
    return Error{ErrorCode::no_such_actor, "actor " + target.to_string() + " is not alive"};
  }
  PendingSignal current = cell->signal.load(std::memory_order_acquire);
  while (current < signal &&
         !cell->signal.compare_exchange_weak(current, signal, std::memory_order_acq_rel)) {
  }
  // A wake-up message makes an idle actor run and notice the signal.
  if (cell->mailbox.push(make_signal(MessageKind::wake).release()) ==
      Mailbox::PushResult::queued_and_unblocked) {
    scheduler_.schedule(cell);
  }
  table_.unpin(target);
  return {};
}

void SystemCore::expect_respawn(Address target) {
  ActorCell* cell = table_.pin(target);
  if (cell == nullptr) return;
  PendingSignal stale = PendingSignal::kill;
  cell->signal.compare_exchange_strong(stale, PendingSignal::none, std::memory_order_acq_rel);
  cell->respawn_pending.store(true, std::memory_order_release);
  table_.unpin(target);
}

Result<void> SystemCore::exit(Address from, Address target, ExitReason reason) {
  if (reason.kind() == ExitKind::kill) return signal(target, PendingSignal::kill);
  return deliver(target, make_system_message(MessageKind::exit_signal, from, 0,
                                             ExitMessage{from, std::move(reason), false}));
}

// --- the worker turn ----------------------------------------------------------

namespace {

ExitReason reason_for(PendingSignal s) {
  switch (s) {
    case PendingSignal::kill: return ExitReason::killed();
    case PendingSignal::shutdown: return ExitReason::shutdown();
    default: return ExitReason::normal();
  }
}

}  // namespace

bool SystemCore::run_turn(ActorCell* cell, std::uint64_t& handled) {
  // One pass normally; a parked address that gets respawned goes on with
  // its new incarnation in the same turn.
  for (;;) {
    if (cell->parked) {
      if (run_parked(cell) != ParkedOutcome::respawned) return false;
    }
    ActorContext ctx(this, cell);
    if (!cell->started) {
      if (auto s = cell->signal.load(std::memory_order_acquire); s != PendingSignal::none) {
        if (end_incarnation(cell, reason_for(s), nullptr, false)) continue;
        return false;
      }
      cell->started = true;
      bool failed = false;
      try {
        cell->actor->on_start(ctx);
      } catch (...) {
        if (end_incarnation(cell, exit_reason_from_current_exception(), nullptr, false)) continue;
        failed = true;
      }
      if (failed) return false;
      if (cell->stop_requested) {
        if (end_incarnation(cell, *cell->extras->stop_reason, nullptr, true)) continue;
        return false;
      }
    }
    bool parked_again = false;
    const std::size_t budget = config_.messages_per_turn;
    for (std::size_t n = 0; n < budget && !parked_again;) {
      if (auto s = cell->signal.load(std::memory_order_acquire); s != PendingSignal::none) {
        if (end_incarnation(cell, reason_for(s), nullptr, s != PendingSignal::kill)) {
          parked_again = true;
          break;
        }
        return false;
      }
      Message* raw;
      if (cell->has_stash) {
        auto& stash = cell->extras->stash;
        raw = stash.front().release();
        stash.pop_front();
        cell->has_stash = !stash.empty();
      } else {
        raw = cell->mailbox.pop();
      }
      if (raw == nullptr) {
        if (cell->mailbox.try_block()) return false;
        continue;  // a message arrived meanwhile
      }
      MessagePtr msg(raw);
      ++n;
      ++handled;
      std::optional<ExitReason> failure = dispatch(ctx, cell, msg);
      if (!failure && cell->stop_requested) failure = *cell->extras->stop_reason;
      if (failure) {
        if (end_incarnation(cell, *failure, std::move(msg), true)) {
          parked_again = true;
          break;
        }
        return false;
      }
    }
    if (!parked_again) return true;  // budget used up with messages left
  }
}

SystemCore::ParkedOutcome SystemCore::run_parked(ActorCell* cell) {
  for (;;) {
    if (auto s = cell->signal.load(std::memory_order_acquire); s != PendingSignal::none) {
      // A kill sent as the incarnation ended was aimed at it, not at the
      // address: dropping it keeps the address and its names for the
      // owner's decision, as an exit signal is dropped below. One sent
      // after the owner's respawn is for the next incarnation: it stays
      // set and ends that one before it starts. The system's shutdown (or
      // a stop) still ends the cell.
      const bool stopping = stopping_.load(std::memory_order_seq_cst);
      const bool for_next = s == PendingSignal::kill && !stopping &&
                            cell->respawn_pending.load(std::memory_order_acquire);
      if (!for_next) {
        if (s == PendingSignal::kill && !stopping &&
            cell->signal.compare_exchange_strong(s, PendingSignal::none,
                                                 std::memory_order_acq_rel)) {
          continue;
        }
        finish(cell, reason_for(s));
        return ParkedOutcome::finished;
      }
    }
    Message* raw = cell->mailbox.pop();
    if (raw == nullptr) {
      if (cell->mailbox.try_block()) return ParkedOutcome::idle;
      continue;
    }
    MessagePtr msg(raw);
    switch (msg->kind) {
      case MessageKind::respawn: {
        cell->respawn_pending.store(false, std::memory_order_release);
        cell->actor = std::move(msg->as<std::unique_ptr<Actor>>());
        cell->owner = msg->sender;
        cell->ext().links.push_back(msg->sender);
        cell->parked = false;
        cell->started = false;
        cell->trap_exit = cell->initial_trap_exit;
        return ParkedOutcome::respawned;
      }
      case MessageKind::release:
        finish(cell, msg->as<ExitReason>());
        return ParkedOutcome::finished;
      case MessageKind::link:
      case MessageKind::unlink:
      case MessageKind::monitor:
      case MessageKind::demonitor:
      case MessageKind::wake: handle_control(cell, *msg); break;
      case MessageKind::exit_signal:
        // A child parked for the incarnation that just ended: nobody is left
        // to decide about it.
        if (msg->as<ExitMessage>().address_kept) {
          send_release(msg->as<ExitMessage>().from, ExitReason::shutdown("owner exited"));
        }
        // Any other exit signal was aimed at the incarnation that is gone;
        // passing it on would kill the next one.
        break;
      default: stash(cell, std::move(msg)); break;
    }
  }
}

void SystemCore::stash(ActorCell* cell, MessagePtr msg) {
  auto& stash = cell->ext().stash;
  if (stash.size() >= cell->stash_capacity) {
    fail_request(cell->address, *msg, ErrorCode::resource_exhausted,
                 "is restarting and its stash is full");
    dead_letter(cell->address, *msg, DeadLetterReason::rejected);
    return;
  }
  stash.push_back(std::move(msg));
  cell->has_stash = true;
}

void SystemCore::fail_request(Address self, const Message& msg, ErrorCode code,
                              const std::string& why) {
  if (msg.kind != MessageKind::request || !msg.sender) return;
  (void)deliver(msg.sender,
                make_system_message(MessageKind::reply_error, self, msg.correlation,
                                    Error{code, "actor " + self.to_string() + " " + why}));
}

void SystemCore::give_up_message(Address holder, MessagePtr msg, DeadLetterReason reason) {
  const bool refused =
      reason == DeadLetterReason::rejected || reason == DeadLetterReason::too_large;
  const char* why = "the receiver gave it up";
  ErrorCode code = refused ? ErrorCode::resource_exhausted : ErrorCode::actor_exited;
  if (reason == DeadLetterReason::too_large) why = "larger than the receiver's max_message_size";
  if (reason == DeadLetterReason::rejected) why = "refused by the receiver";
  if (reason == DeadLetterReason::unreachable) {
    why = "is on a node that cannot be reached";
    code = ErrorCode::io_error;
  }
  if (reason == DeadLetterReason::not_transferable) {
    why = "is on another node, which only bytes can reach";
    code = ErrorCode::unexpected_type;
  }
  fail_request(holder, *msg, code, why);
  if (carries_content(msg->kind)) dead_letter(holder, *msg, reason);
}

void SystemCore::send_release(Address parked, ExitReason reason) {
  // The names go at once, not when the parked cell gets to the release: the
  // owner may start a successor under the same name right away (as OTP's
  // supervisor restarts a registered child once the old one is gone).
  forget_names(parked);
  (void)deliver(parked,
                make_system_message(MessageKind::release, Address::none(), 0, std::move(reason)));
}

std::optional<ExitReason> SystemCore::invoke(ActorContext& ctx, ActorCell* cell, MessagePtr& msg) {
  cell->current = &msg;
  cell->current_kind = msg->kind;
  cell->current_sender = msg->sender;
  cell->current_correlation = msg->correlation;
  cell->current_answered = false;
  bool handled;
  try {
    handled = cell->actor->on_message(ctx, *msg);
  } catch (...) {
    cell->current = nullptr;
    return exit_reason_from_current_exception();
  }
  cell->current = nullptr;
  if (!handled && msg) {
    fail_request(cell->address, *msg, ErrorCode::unhandled,
                 "has no handler for " + type_name(msg->type()));
    dead_letter(cell->address, *msg, DeadLetterReason::unhandled);
  }
  // A handler that stopped its actor abnormally failed on this message: the
  // caller passes it on to end_incarnation (crashed_in_handler).
  if (handled && cell->stop_requested && cell->extras->stop_reason->is_abnormal()) {
    return std::nullopt;
  }
  // A request left unanswered by a handler that ends its actor cannot be
  // answered any more: the requester learns it now (as gen_server:call does)
  // instead of waiting for its timeout.
  if (handled && cell->stop_requested && msg->kind == MessageKind::request &&
      !cell->current_answered) {
    fail_request(cell->address, *msg, ErrorCode::actor_exited,
                 "exited without answering: " + cell->extras->stop_reason->to_string());
  }
  msg.reset();
  return std::nullopt;
}

void SystemCore::handle_control(ActorCell* cell, const Message& msg) {
  switch (msg.kind) {
    case MessageKind::link: {
      auto& links = cell->ext().links;
      if (std::find(links.begin(), links.end(), msg.sender) == links.end()) {
        links.push_back(msg.sender);
      }
      return;
    }
    case MessageKind::unlink:
      if (cell->extras) {
        erase_first(cell->extras->links, [&](Address a) { return a == msg.sender; });
      }
      return;
    case MessageKind::monitor:
      cell->ext().monitored_by.emplace_back(msg.correlation, msg.sender);
      return;
    case MessageKind::demonitor:
      if (cell->extras) {
        erase_first(cell->extras->monitored_by, [&](const auto& m) {
          return m.first == msg.correlation && m.second == msg.sender;
        });
      }
      return;
    default: return;
  }
}

std::optional<ExitReason> SystemCore::dispatch(ActorContext& ctx, ActorCell* cell,
                                               MessagePtr& msg) {
  switch (msg->kind) {
    case MessageKind::user:
    case MessageKind::request: return invoke(ctx, cell, msg);

    case MessageKind::reply:
    case MessageKind::reply_error:
    case MessageKind::request_timeout: {
      if (cell->forward_all) return invoke(ctx, cell, msg);
      auto* ext = cell->extras.get();
      if (ext == nullptr || ext->pending_requests.count(msg->correlation) == 0) {
        // The request already completed (timed out, or the reply raced the
        // timeout). A reply nobody waits for is a dead letter.
        if (msg->kind != MessageKind::request_timeout) {
          dead_letter(cell->address, *msg, DeadLetterReason::late_reply);
        }
        return std::nullopt;
      }
      try {
        if (msg->kind == MessageKind::reply) {
          complete_request(ctx, cell, msg->correlation, msg.get(), nullptr);
        } else if (msg->kind == MessageKind::reply_error) {
          complete_request(ctx, cell, msg->correlation, nullptr, &msg->as<Error>());
        } else {
          const Error timeout{ErrorCode::timeout, "request timed out"};
          complete_request(ctx, cell, msg->correlation, nullptr, &timeout);
        }
      } catch (...) {
        return exit_reason_from_current_exception();
      }
      return std::nullopt;
    }

    case MessageKind::exit_signal: return handle_exit_signal(ctx, cell, msg);

    case MessageKind::down: {
      if (!cell->forward_all) {
        const MonitorRef ref = msg->as<DownMessage>().ref;
        // A demonitored ref: the monitor is gone, so is its notification.
        if (cell->extras == nullptr ||
            !erase_first(cell->extras->monitors, [&](const auto& m) { return m.first == ref; })) {
          return std::nullopt;
        }
      }
      return invoke(ctx, cell, msg);
    }

    case MessageKind::release:
      // Only parked addresses are released; a running one treats it as an
      // order to stop.
      return msg->as<ExitReason>();

    case MessageKind::respawn:  // only meaningful while parked
    case MessageKind::link:
    case MessageKind::unlink:
    case MessageKind::monitor:
    case MessageKind::demonitor:
    case MessageKind::wake: handle_control(cell, *msg); return std::nullopt;
  }
  return std::nullopt;
}

std::optional<ExitReason> SystemCore::handle_exit_signal(ActorContext& ctx, ActorCell* cell,
                                                         MessagePtr& msg) {
  const ExitMessage& exit = msg->as<ExitMessage>();
  const bool was_linked =
      exit.from_link && cell->extras != nullptr &&
      erase_first(cell->extras->links, [&](Address a) { return a == exit.from; });
  if (exit.address_kept) {
    if (was_linked || !exit.from_link) {
      cell->ext().parked_children.push_back(exit.from);
    } else {
      // Parked for an earlier incarnation of this actor (it was respawned
      // behind its own kept address): nobody here decides about it.
      send_release(exit.from, ExitReason::shutdown("owner exited"));
    }
  }
  // After unlink() no exit signal from that link may take effect.
  if (exit.from_link && !was_linked && !cell->forward_all) return std::nullopt;
  if (cell->trap_exit) return invoke(ctx, cell, msg);
  if (exit.reason.kind() == ExitKind::normal) return std::nullopt;
  ExitReason reason = exit.reason;
  msg.reset();  // consumed: it is the cause of the exit, not a lost message
  return reason;
}

void SystemCore::complete_request(ActorContext& ctx, ActorCell* cell, std::uint64_t correlation,
                                  Message* reply, const Error* error) {
  auto& pending = cell->extras->pending_requests;
  auto it = pending.find(correlation);
  PendingRequest request = std::move(it->second);
  pending.erase(it);
  if (request.timer != 0) timers_.cancel(request.timer);
  request.callback(ctx, reply, error);
}

// --- exit -----------------------------------------------------------------------

bool SystemCore::end_incarnation(ActorCell* cell, const ExitReason& exit_reason,
                                 MessagePtr in_flight, bool run_stop_hook) {
  // A copy: the caller's reason may live in the cell (stop_reason), which
  // parking resets below.
  const ExitReason reason = exit_reason;  // NOLINT(performance-unnecessary-copy-initialization)
  const Address self = cell->address;
  if (run_stop_hook && cell->started) {
    ActorContext ctx(this, cell);
    try {
      cell->actor->on_stop(ctx, reason);
    } catch (...) {
      // The actor is exiting already; its reason stays the original one.
    }
  }
  if (in_flight) {
    fail_request(self, *in_flight, ErrorCode::actor_exited,
                 "exited while handling the request: " + reason.to_string());
    if (carries_content(in_flight->kind)) {
      dead_letter(self, *in_flight, DeadLetterReason::crashed_in_handler);
    }
    in_flight.reset();
  }
  if (cell->extras) {
    ActorExtras& ext = *cell->extras;
    for (auto& [id, request] : ext.pending_requests) {
      if (request.timer != 0) timers_.cancel(request.timer);
    }
    ext.pending_requests.clear();
    for (Address child : ext.parked_children) {
      send_release(child, ExitReason::shutdown("owner exited"));
    }
    ext.parked_children.clear();
  }

  if (!cell->keep_address || stopping_.load(std::memory_order_seq_cst) ||
      !deliver(cell->owner, make_system_message(MessageKind::exit_signal, self, 0,
                                                ExitMessage{self, reason, true, true}))) {
    finish(cell, reason);
    return false;
  }

  // Park: the owner decides between respawn and release; the address, its
  // names, monitors and queued messages stay.
  ActorExtras& ext = cell->ext();
  for (Address linked : ext.links) {
    if (linked == cell->owner) continue;
    (void)deliver(linked, make_system_message(MessageKind::exit_signal, self, 0,
                                              ExitMessage{self, reason, true}));
  }
  ext.links.clear();
  for (auto& [ref, target] : ext.monitors) {
    MessagePtr demonitor = make_signal(MessageKind::demonitor);
    demonitor->sender = self;
    demonitor->correlation = ref;
    (void)deliver(target, std::move(demonitor));
  }
  ext.monitors.clear();
  ext.stop_reason.reset();
  cell->actor.reset();
  cell->started = false;
  cell->stop_requested = false;
  cell->parked = true;
  cell->signal.store(PendingSignal::none, std::memory_order_release);
  if (config_.events) {
    SystemEvent e;
    e.kind = EventKind::actor_exited;
    e.actor = self;
    e.reason = reason;
    emit(std::move(e));
  }
  // A shutdown that began meanwhile may have had its signal cleared above.
  if (stopping_.load(std::memory_order_seq_cst)) {
    finish(cell, ExitReason::shutdown());
    return false;
  }
  return true;
}

void SystemCore::drain_queued(ActorCell* cell, MessagePtr queued, const ExitReason& reason) {
  const Address self = cell->address;
  switch (queued->kind) {
    // Sent while the actor was still alive: the link or monitor took hold
    // and sees the real exit reason (noproc is for addresses already dead).
    case MessageKind::link:
      (void)deliver(queued->sender, make_system_message(MessageKind::exit_signal, self, 0,
                                                        ExitMessage{self, reason, true}));
      return;
    case MessageKind::monitor:
      (void)deliver(queued->sender,
                    make_system_message(MessageKind::down, self, queued->correlation,
                                        DownMessage{queued->correlation, self, reason}));
      return;
    case MessageKind::request:
      fail_request(self, *queued, ErrorCode::actor_exited,
                   "exited before handling the request: " + reason.to_string());
      dead_letter(self, *queued, DeadLetterReason::queued_at_exit);
      return;
    case MessageKind::exit_signal:
      if (queued->as<ExitMessage>().address_kept) {
        send_release(queued->as<ExitMessage>().from, ExitReason::shutdown("owner exited"));
        return;
      }
      dead_letter(self, *queued, DeadLetterReason::queued_at_exit);
      return;
    default:
      if (carries_content(queued->kind)) {
        dead_letter(self, *queued, DeadLetterReason::queued_at_exit);
      }
      return;
  }
}

void SystemCore::finish(ActorCell* cell, const ExitReason& reason) {
  const Address self = cell->address;
  // From here on nobody can send to this address.
  table_.retire(self);
  if (cell->named.load(std::memory_order_acquire)) forget_names(self);

  if (cell->extras) {
    auto stash = std::move(cell->extras->stash);
    cell->has_stash = false;
    for (auto& queued : stash) drain_queued(cell, std::move(queued), reason);
  }
  for (Message* m = cell->mailbox.take_all(); m != nullptr;) {
    Message* next = m->next;
    drain_queued(cell, MessagePtr(m), reason);
    m = next;
  }

  if (cell->extras) {
    ActorExtras& ext = *cell->extras;
    for (Address linked : ext.links) {
      (void)deliver(linked, make_system_message(MessageKind::exit_signal, self, 0,
                                                ExitMessage{self, reason, true}));
    }
    for (auto& [ref, watcher] : ext.monitored_by) {
      (void)deliver(watcher, make_system_message(MessageKind::down, self, ref,
                                                 DownMessage{ref, self, reason}));
    }
    for (Address child : ext.parked_children) {
      send_release(child, ExitReason::shutdown("owner exited"));
    }
  }

  const bool was_parked = cell->parked;
  cell->actor.reset();
  if (config_.events) {
    SystemEvent e;
    e.kind = was_parked ? EventKind::address_released : EventKind::actor_exited;
    e.actor = self;
    e.reason = reason;
    emit(std::move(e));
  }
  table_.release(self);
  delete cell;
  exited_.fetch_add(1, std::memory_order_relaxed);
  if (live_.fetch_sub(1, std::memory_order_acq_rel) == 1 &&
      stopping_.load(std::memory_order_acquire)) {
    std::lock_guard lock(shutdown_mutex_);
    all_exited_.notify_all();
  }
}

// --- shutdown ---------------------------------------------------------------------

ShutdownReport SystemCore::shutdown() {
  std::unique_lock lock(shutdown_mutex_);
  if (shutdown_report_) return *shutdown_report_;
  ShutdownReport report;
  const std::uint64_t exited_before = exited_.load();
  const std::uint64_t dead_before = dead_letters_.load();
  stopping_.store(true, std::memory_order_seq_cst);
  lock.unlock();
  table_.for_each_live([this](Address a) { (void)signal(a, PendingSignal::shutdown); });
  if (scheduler_.on_worker_thread()) {
    // Called from a handler: waiting here would wait for ourselves. The
    // actors are signalled; the ActorSystem's owner finishes the shutdown.
    return report;
  }
  lock.lock();
  const auto deadline = std::chrono::steady_clock::now() + config_.shutdown_timeout;
  const bool all_done = all_exited_.wait_until(
      lock, deadline, [this] { return live_.load(std::memory_order_acquire) == 0; });
  lock.unlock();

  for (auto& pending : timers_.stop()) {
    if (pending.msg && carries_content(pending.msg->kind)) {
      dead_letter(pending.to, *pending.msg, DeadLetterReason::pending_at_shutdown);
    }
  }
  if (all_done) {
    scheduler_.stop();
  } else {
    table_.for_each_live([&](Address a) { report.stuck.push_back(a); });
    // A handler is still running on a worker; joining would hang and freeing
    // would pull memory from under it. Let the threads go and keep the memory.
    scheduler_.abandon();
    abandoned_ = true;
  }
  report.actors_stopped = exited_.load() - exited_before;
  report.undelivered = dead_letters_.load() - dead_before;
  lock.lock();
  shutdown_report_ = report;
  return report;
}

}  // namespace airssys::rt::detail
