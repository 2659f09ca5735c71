// Compiling a module for an engine once, shared by everyone who needs it:
// on the caller's thread (compiled_for, precompile) or on the compile
// threads, never more than one per core at once (compile_async,
// precompile_async). Every party waiting for a compile is a waiter of one
// CompileJob; a job whose last waiter leaves before it ends is abandoned and
// its C compiler killed.
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <thread>

#include "aot/bounded_process.hpp"
#include "module_code.hpp"
#include "vm/wasm_vm.hpp"

namespace airssys::wasm::detail {

class CompileJob {
 public:
  // `keep` holds the module while the compile runs on a compile thread; a
  // compile run by its caller (who holds the module) needs none.
  CompileJob(const WasmModule& module, std::shared_ptr<const WasmModule> keep, EngineKind kind)
      : module_(module), keep_(std::move(keep)), kind_(kind) {}

  std::size_t slot() const { return static_cast<std::size_t>(kind_); }

  // Adds a waiter unless the job was abandoned (then a new job is needed).
  // Called under the module's compile_mutex, so the job cannot end meanwhile.
  std::optional<std::uint64_t> join(std::function<void(const CompileResult&)> done) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (abandoned_) return std::nullopt;
    const std::uint64_t id = next_id_++;
    waiters_.emplace(id, std::move(done));
    return id;
  }

  // Compiles (unless abandoned meanwhile), publishes the compiled form in
  // the module, and tells every waiter.
  void run() {
    bool skip = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      skip = abandoned_;
    }
    CompileResult r = Error{ErrorCode::actor_exited,
                            module_.name() + ": the compile was abandoned before it began"};
    if (!skip) {
      r = kind_ == EngineKind::aot ? compile_aot(module_, &cancel_) : compile_interp(module_);
    }
    const ModuleCode& code = module_.code();
    {
      std::lock_guard<std::mutex> lock(code.compile_mutex);
      // A compile that began after this one was abandoned may have ended
      // first: either result serves.
      if (r && !code.compiled[slot()]) code.compiled[slot()] = *r;
      if (r) r = code.compiled[slot()];
      if (code.compiling[slot()].get() == this) code.compiling[slot()].reset();
    }
    std::shared_ptr<const WasmModule> release;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      result_ = std::move(r);
      for (auto& [id, done] : waiters_) {
        if (done) done(*result_);
      }
      waiters_.clear();
      release = std::move(keep_);  // the module may go once the lock is released
    }
    ended_.notify_all();
  }

  // Blocks until the job has ended.
  CompileResult wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    ended_.wait(lock, [this] { return result_.has_value(); });
    return *result_;
  }

  std::optional<CompileResult> result() {
    std::lock_guard<std::mutex> lock(mutex_);
    return result_;
  }

  // Removes a waiter; the last one to leave before the end abandons the
  // job: its C compiler is killed and the module's slot freed.
  void leave(std::uint64_t id) {
    std::shared_ptr<const WasmModule> module;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      waiters_.erase(id);
      if (result_ || abandoned_ || !waiters_.empty()) return;
      abandoned_ = true;
      module = keep_;  // keeps the module while its slot is cleared below
    }
    cancel_.cancel();  // kills the C compiler if it runs; none starts later
    if (!module) return;
    const ModuleCode& code = module->code();
    std::lock_guard<std::mutex> lock(code.compile_mutex);
    if (code.compiling[slot()].get() == this) code.compiling[slot()].reset();
  }

  // A job that is over before it began: the module was compiled already.
  static std::shared_ptr<CompileJob> finished(const WasmModule& module, EngineKind kind,
                                              std::shared_ptr<CompiledModule> compiled) {
    auto job = std::make_shared<CompileJob>(module, nullptr, kind);
    job->result_ = CompileResult(std::move(compiled));
    return job;
  }

 private:
  const WasmModule& module_;
  std::shared_ptr<const WasmModule> keep_;
  const EngineKind kind_;
  ProcessCancel cancel_;

  std::mutex mutex_;
  std::condition_variable ended_;
  // Who waits for the result: id -> what to call when it is there.
  std::map<std::uint64_t, std::function<void(const CompileResult&)>> waiters_;
  std::uint64_t next_id_ = 1;
  bool abandoned_ = false;  // its last waiter left before it ended
  std::optional<CompileResult> result_;
};

namespace {

// The compile threads: started as jobs come, at most one per core; each
// takes queued jobs one after another.
class CompilePool {
 public:
  void submit(std::shared_ptr<CompileJob> job) {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(job));
    if (queue_.size() > idle_ && threads_ < max_threads_) {
      ++threads_;
      std::thread([this] { work(); }).detach();
    } else {
      wake_.notify_one();
    }
  }

 private:
  void work() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      ++idle_;
      wake_.wait(lock, [this] { return !queue_.empty(); });
      --idle_;
      std::shared_ptr<CompileJob> job = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      job->run();
      job.reset();
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<CompileJob>> queue_;
  std::size_t threads_ = 0;
  std::size_t idle_ = 0;
  const std::size_t max_threads_ = std::max(1u, std::thread::hardware_concurrency());
};

CompilePool& pool() {
  static CompilePool* p = new CompilePool;  // never destroyed: its threads may outlive statics
  return *p;
}

}  // namespace

std::shared_ptr<CompiledModule> compiled_now(const WasmModule& module, EngineKind kind) {
  const ModuleCode& code = module.code();
  std::lock_guard<std::mutex> lock(code.compile_mutex);
  return code.compiled[static_cast<std::size_t>(kind)];
}

CompileResult compiled_for(const WasmModule& module, EngineKind kind) {
  const ModuleCode& code = module.code();
  const auto slot = static_cast<std::size_t>(kind);
  std::shared_ptr<CompileJob> job;
  bool run_here = false;
  {
    std::lock_guard<std::mutex> lock(code.compile_mutex);
    if (code.compiled[slot]) return code.compiled[slot];
    // This caller waits to the end, so the job is never abandoned under it.
    job = code.compiling[slot];
    if (!job || !job->join(nullptr)) {
      job = std::make_shared<CompileJob>(module, nullptr, kind);
      (void)job->join(nullptr);
      code.compiling[slot] = job;
      run_here = true;
    }
  }
  if (run_here) job->run();
  return job->wait();
}

CompileWait compile_async(std::shared_ptr<const WasmModule> module, EngineKind kind,
                          std::function<void(const CompileResult&)> done) {
  const ModuleCode& code = module->code();
  const auto slot = static_cast<std::size_t>(kind);
  std::shared_ptr<CompileJob> job;
  std::optional<std::uint64_t> id;
  {
    std::lock_guard<std::mutex> lock(code.compile_mutex);
    if (code.compiled[slot]) {
      return CompileWait(CompileJob::finished(*module, kind, code.compiled[slot]), 0);
    }
    job = code.compiling[slot];
    if (job) id = job->join(done);
    if (!id) {
      job = std::make_shared<CompileJob>(*module, module, kind);
      id = job->join(std::move(done));
      code.compiling[slot] = job;
      pool().submit(job);
    }
  }
  return CompileWait(std::move(job), *id);
}

CompileWait::CompileWait(CompileWait&& other) noexcept
    : job_(std::move(other.job_)), id_(other.id_) {}

CompileWait& CompileWait::operator=(CompileWait&& other) noexcept {
  if (this != &other) {
    leave();
    job_ = std::move(other.job_);
    id_ = other.id_;
  }
  return *this;
}

std::optional<CompileResult> CompileWait::result() const {
  if (!job_) return std::nullopt;
  return job_->result();
}

void CompileWait::leave() {
  std::shared_ptr<CompileJob> job = std::move(job_);
  if (job && id_ != 0) job->leave(id_);
}

}  // namespace airssys::wasm::detail

namespace airssys::wasm {

Result<std::string> precompile(const WasmModule& module, EngineKind engine) {
  auto compiled = detail::compiled_for(module, engine);
  if (!compiled) return compiled.error();
  if (engine == EngineKind::aot) {
    auto path = detail::aot_object_path(module);
    if (!path) return path.error();
    return path->string();
  }
  return std::string("decoded for the interpreter");
}

std::future<Result<std::string>> precompile_async(WasmModulePtr module, EngineKind engine) {
  struct Answer {
    std::promise<Result<std::string>> promise;
    std::once_flag once;
  };
  auto answer = std::make_shared<Answer>();
  std::future<Result<std::string>> future = answer->promise.get_future();
  const auto give = [answer, m = module.get(), engine](const detail::CompileResult& r) {
    std::call_once(answer->once, [&] {
      if (!r) return answer->promise.set_value(r.error());
      if (engine != EngineKind::aot) {
        return answer->promise.set_value(std::string("decoded for the interpreter"));
      }
      auto path = detail::aot_object_path(*m);
      if (!path) return answer->promise.set_value(path.error());
      answer->promise.set_value(path->string());
    });
  };
  // The compile threads hold the module until the compile ends (and `give`
  // runs there); this call holds it until it returns.
  detail::CompileWait wait = detail::compile_async(module, engine, give);
  // Compiled already (nothing else calls back), or ended meanwhile.
  if (auto done = wait.result()) give(*done);
  wait.detach();  // a dropped future does not cancel the compile
  return future;
}

}  // namespace airssys::wasm
