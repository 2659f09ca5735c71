#!/usr/bin/env escript
%% -*- erlang -*-
%%
%% Default emulator flags: the schedulers spin briefly before they sleep,
%% as airssys's workers do.
%%
%% Peer measurements on Erlang/OTP for airssys's benchmark report:
%%
%%   escript bench/peers/erlang_peer.erl [--quick]
%%
%% One JSON object per line on stdout:
%%   {"peer":"erlang","workload":"<key>","value":<number>,"unit":"<unit>"}
%% Workloads:
%%   spawn (ns)                  mean time to spawn a process that waits in
%%                               receive, 100,000 in a loop
%%   spawn_p50 / spawn_p99 (ns)  one spawn at a time, 20,000 samples
%%   idle_actor_bytes (B)        erlang:memory(total) growth per idle process
%%                               at 100,000
%%   idle_actor_rss_bytes (B)    resident memory (VmRSS) growth per idle
%%                               process at 100,000
%%   ping_pong_rtt (ns)          one message each way between two processes
%%   many_to_one_1 / _4 (msg/s)  1 or 4 senders to one counting receiver
%%   message_and_reply (ns)      gen_server:call to an idle gen_server
%%   restart_crash_to_ready_p50 / _p99 (us), restarts_per_s (1/s):
%%                               a one_for_one supervisor restarting a
%%                               crashed, registered gen_server: from the
%%                               crash message to the first answer of the
%%                               new process
%%   restart_history_first_p50 / _10k_p50 / _100k_p50 (us):
%%                               the same restart, 101,000 times in a row
%%                               under one supervisor: the p50 of restarts
%%                               1-1,000, 10,001-11,000, 100,001-101,000
%%   mass_recovery (ms), mass_recovery_per_child (us):
%%                               5,000 gen_servers under one one_for_one
%%                               supervisor crash at once: from the first
%%                               crash to the last of the new processes
%%                               answering a gen_server:call
%% --quick runs each at a tiny size (the smoke test).
-module(erlang_peer).
-mode(compile).
-export([main/1, init/1, handle_call/3, handle_cast/2]).

main(Args) ->
    Quick = lists:member("--quick", Args),
    N = fun(Full, Small) -> case Quick of true -> Small; false -> Full end end,
    logger:set_primary_config(level, none),
    spawn_rate(N(100000, 200)),
    spawn_latency(N(20000, 100)),
    idle_memory(N(100000, 200)),
    ping_pong(N(1000000, 1000)),
    many_to_one(1, N(4000000, 4000)),
    many_to_one(4, N(1000000, 1000)),
    message_and_reply(N(1000000, 1000)),
    restarts(N(20000, 50)),
    restart_history(N(101000, 60), N(1000, 20)),
    mass_recovery(N(5000, 20)),
    ok.

emit(Workload, Value, Unit) ->
    io:format("{\"peer\":\"erlang\",\"workload\":\"~s\",\"value\":~.3f,\"unit\":\"~s\"}~n",
              [Workload, float(Value), Unit]).

now_ns() -> erlang:monotonic_time(nanosecond).

idle() -> receive stop -> ok end.

percentile(Sorted, P) ->
    Len = length(Sorted),
    lists:nth(min(Len, (Len * P) div 100 + 1), Sorted).

stop_all(Pids) -> [P ! stop || P <- Pids], ok.

%% --- native actors -----------------------------------------------------------

spawn_rate(Count) ->
    stop_all([spawn(fun idle/0) || _ <- lists:seq(1, Count div 10)]),  % warm-up
    T0 = now_ns(),
    Pids = [spawn(fun idle/0) || _ <- lists:seq(1, Count)],
    Spent = now_ns() - T0,
    stop_all(Pids),
    emit("spawn", Spent / Count, "ns").

spawn_latency(Count) ->
    Samples = [begin
                   T0 = now_ns(),
                   P = spawn(fun idle/0),
                   T = now_ns() - T0,
                   P ! stop,
                   T
               end || _ <- lists:seq(1, Count)],
    Sorted = lists:sort(lists:nthtail(Count div 4, Samples)),
    emit("spawn_p50", percentile(Sorted, 50), "ns"),
    emit("spawn_p99", percentile(Sorted, 99), "ns").

rss_bytes() ->
    {ok, Text} = file:read_file("/proc/self/status"),
    {match, [Kb]} = re:run(Text, "VmRSS:\\s+(\\d+) kB", [{capture, all_but_first, list}]),
    list_to_integer(Kb) * 1024.

idle_memory(Count) ->
    erlang:garbage_collect(),
    Mem0 = erlang:memory(total),
    Rss0 = rss_bytes(),
    %% A process has its heap and stack from spawn on.
    Pids = [spawn(fun idle/0) || _ <- lists:seq(1, Count)],
    Last = lists:last(Pids),
    erlang:monitor(process, Last),
    Mem = erlang:memory(total) - Mem0,
    Rss = rss_bytes() - Rss0,
    stop_all(Pids),
    receive {'DOWN', _, process, Last, _} -> ok end,
    emit("idle_actor_bytes", Mem / Count, "B"),
    emit("idle_actor_rss_bytes", Rss / Count, "B").

pong() -> receive {ping, From} -> From ! pong, pong(); stop -> ok end.

ping(_Pong, 0) -> ok;
ping(Pong, N) -> Pong ! {ping, self()}, receive pong -> ping(Pong, N - 1) end.

ping_pong(Rounds) ->
    Pong = spawn(fun pong/0),
    Self = self(),
    Ping = fun(R) -> spawn(fun() -> ping(Pong, R), Self ! done end) end,
    Ping(Rounds div 10),
    receive done -> ok end,
    T0 = now_ns(),
    Ping(Rounds),
    receive done -> ok end,
    Spent = now_ns() - T0,
    Pong ! stop,
    emit("ping_pong_rtt", Spent / Rounds, "ns").

counter(0, ReportTo) -> ReportTo ! counted;
counter(Left, ReportTo) -> receive {inc, _} -> counter(Left - 1, ReportTo) end.

sender(_To, 0) -> ok;
sender(To, N) -> To ! {inc, N}, sender(To, N - 1).

many_to_one(Senders, PerSender) ->
    Self = self(),
    Total = Senders * PerSender,
    Counter = spawn(fun() -> counter(Total, Self) end),
    T0 = now_ns(),
    [spawn(fun() -> sender(Counter, PerSender) end) || _ <- lists:seq(1, Senders)],
    receive counted -> ok end,
    Spent = now_ns() - T0,
    emit("many_to_one_" ++ integer_to_list(Senders), Total / (Spent / 1.0e9), "msg/s").

%% --- gen_server and supervisor ---------------------------------------------------

%% One module plays both behaviours: init/1 tells them apart by its argument.
init(supervisor) ->
    Child = #{id => worker, start => {gen_server, start_link, [{local, peer_worker}, ?MODULE, worker, []]},
              restart => permanent, shutdown => brutal_kill, type => worker},
    {ok, {#{strategy => one_for_one, intensity => 1000000, period => 1}, [Child]}};
init({mass_supervisor, Count, Collector}) ->
    Children = [#{id => I,
                  start => {gen_server, start_link, [?MODULE, {member, Collector}, []]},
                  restart => permanent, shutdown => brutal_kill, type => worker}
                || I <- lists:seq(1, Count)],
    {ok, {#{strategy => one_for_one, intensity => 1000000, period => 1}, Children}};
init({member, Collector}) -> Collector ! {up, self()}, {ok, 0};
init(worker) -> {ok, 0}.

handle_call(ping, _From, State) -> {reply, pong, State}.
handle_cast(crash, _State) -> exit(crashed).

call_loop(0) -> ok;
call_loop(N) -> pong = gen_server:call(peer_worker, ping), call_loop(N - 1).

message_and_reply(Calls) ->
    {ok, Sup} = supervisor:start_link(?MODULE, supervisor),
    call_loop(Calls div 10),
    T0 = now_ns(),
    call_loop(Calls),
    Spent = now_ns() - T0,
    unlink(Sup),
    exit(Sup, shutdown),
    emit("message_and_reply", Spent / Calls, "ns").

%% Asks the registered worker until a process other than Old answers,
%% yielding between attempts so the supervisor gets the scheduler (without
%% the yield this loop slows the restart it waits for several times).
await_new(Old) ->
    case whereis(peer_worker) of
        Pid when is_pid(Pid), Pid =/= Old ->
            try gen_server:call(Pid, ping) of pong -> Pid
            catch exit:_ -> erlang:yield(), await_new(Old)
            end;
        _ -> erlang:yield(), await_new(Old)
    end.

restart_once() ->
    Old = whereis(peer_worker),
    T0 = now_ns(),
    gen_server:cast(Old, crash),
    _New = await_new(Old),
    now_ns() - T0.

%% OTP's supervisor keeps every restart of the last `period` (at least 1 s)
%% in a list it walks on each restart; thousands of restarts a second make
%% that list long. A fresh supervisor every 200 restarts keeps it short, so
%% the figure is a restart, not the walk (the starts are not timed).
restart_batch(Count) ->
    {ok, Sup} = supervisor:start_link(?MODULE, supervisor),
    T0 = now_ns(),
    Times = [restart_once() || _ <- lists:seq(1, Count)],
    Spent = now_ns() - T0,
    unlink(Sup),
    Ref = erlang:monitor(process, Sup),
    exit(Sup, shutdown),
    receive {'DOWN', Ref, process, Sup, _} -> ok end,
    {Times, Spent}.

restarts(Samples) ->
    process_flag(trap_exit, true),
    Batch = min(200, Samples),
    restart_batch(Batch),  % warm-up
    Batches = [restart_batch(Batch) || _ <- lists:seq(1, max(1, Samples div Batch))],
    Times = lists:append([T || {T, _} <- Batches]),
    Spent = lists:sum([S || {_, S} <- Batches]),
    Sorted = lists:sort(Times),
    emit("restart_crash_to_ready_p50", percentile(Sorted, 50) / 1000, "us"),
    emit("restart_crash_to_ready_p99", percentile(Sorted, 99) / 1000, "us"),
    emit("restarts_per_s", length(Times) / (Spent / 1.0e9), "1/s").

median_of(Times) ->
    percentile(lists:sort(Times), 50).

%% One supervisor for all of them, as airssys's BM_WasmRestartHistory: OTP
%% walks the restarts of the last period on each restart, so a restart
%% costs more once a period's worth of them (about a second's) has piled up.
restart_history(Count, Window) ->
    process_flag(trap_exit, true),
    {ok, Sup} = supervisor:start_link(?MODULE, supervisor),
    Times = [restart_once() || _ <- lists:seq(1, Count)],
    unlink(Sup),
    Ref = erlang:monitor(process, Sup),
    exit(Sup, shutdown),
    receive {'DOWN', Ref, process, Sup, _} -> ok end,
    At = fun(From) -> median_of(lists:sublist(Times, From + 1, Window)) / 1000 end,
    emit("restart_history_first_p50", At(0), "us"),
    emit("restart_history_10k_p50", At(Count div 10), "us"),
    emit("restart_history_100k_p50", At(Count - Window), "us").

collect_up(0, Acc) -> Acc;
collect_up(N, Acc) -> receive {up, Pid} -> collect_up(N - 1, [Pid | Acc]) end.

%% As airssys's BM_WasmMassRecovery/exponential:0 (OTP has no backoff):
%% every child tells this process its pid from init, so the new processes
%% are known without asking the supervisor; each is then called once.
mass_recovery(Count) ->
    process_flag(trap_exit, true),
    {ok, Sup} = supervisor:start_link(?MODULE, {mass_supervisor, Count, self()}),
    Old = collect_up(Count, []),
    T0 = now_ns(),
    [gen_server:cast(P, crash) || P <- Old],
    New = collect_up(Count, []),
    [pong = gen_server:call(P, ping, infinity) || P <- New],
    Spent = now_ns() - T0,
    unlink(Sup),
    Ref = erlang:monitor(process, Sup),
    exit(Sup, shutdown),
    receive {'DOWN', Ref, process, Sup, _} -> ok end,
    emit("mass_recovery", Spent / 1.0e6, "ms"),
    emit("mass_recovery_per_child", Spent / 1000 / Count, "us").
