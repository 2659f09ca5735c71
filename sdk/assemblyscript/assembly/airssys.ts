// airssys guest SDK for AssemblyScript (guest ABI v1, docs/guest-abi.md).
//
// The SDK is the npm package airssys-assemblyscript-sdk (this folder;
// `cmake --install` puts it in <prefix>/share/airssys/sdk/assemblyscript).
// In a component's project:
//
//   npm install --save-dev assemblyscript@0.28.20 <path to airssys>/sdk/assemblyscript
//
// A component's entry file re-exports the two functions every component
// needs and defines airssys_handle (and, if it wants them, airssys_init,
// airssys_health, airssys_shutdown, and airssys_handle_reply when it makes
// requests):
//
//   export { airssys_abi_version, airssys_alloc } from "airssys-assemblyscript-sdk/assembly/airssys";
//   import { reply, text } from "airssys-assemblyscript-sdk/assembly/airssys";
//   export function airssys_handle(sender: u64, ptr: usize, len: u32): i32 { ... }
//
// Build it with the SDK's asconfig.json (the line the build runs for its own
// guests, cmake/AirssysGuests.cmake; a test runs it as written here):
//
//   npx asc component.ts --config node_modules/airssys-assemblyscript-sdk/asconfig.json -o component.wasm
//
// The config exports AssemblyScript's static initialisation as _initialize
// (the host runs it on every fresh instance before airssys_init) and maps
// abort (failed assertions, out-of-range accesses) to abortComponent below,
// which ends the component with the message as its exit reason; without
// that mapping the module imports env.abort and is refused.

// --- host functions (module "airssys") ------------------------------------

@external("airssys", "send")
declare function host_send(to: u64, ptr: usize, len: u32): i32;
@external("airssys", "send_name")
declare function host_send_name(name_ptr: usize, name_len: u32, ptr: usize, len: u32): i32;
@external("airssys", "request")
declare function host_request(to: u64, ptr: usize, len: u32, timeout_ms: u32): i64;
@external("airssys", "reply")
declare function host_reply(ptr: usize, len: u32): i32;
@external("airssys", "self")
declare function host_self(): u64;
@external("airssys", "lookup")
declare function host_lookup(name_ptr: usize, name_len: u32): u64;
@external("airssys", "log")
declare function host_log(level: i32, ptr: usize, len: u32): void;
@external("airssys", "now")
declare function host_now(): i64;
@external("airssys", "exit")
declare function host_exit(code: i32, ptr: usize, len: u32): void;
@external("airssys", "send_after")
declare function host_send_after(to: u64, delay_ms: u32, ptr: usize, len: u32): i32;
@external("airssys", "start_timer")
declare function host_start_timer(to: u64, delay_ms: u32, ptr: usize, len: u32): i64;
@external("airssys", "cancel_timer")
declare function host_cancel_timer(timer: i64): i32;
@external("airssys", "message_kind")
declare function host_message_kind(): i32;

// Status codes of host calls.
export const OK: i32 = 0;
export const NO_SUCH_ACTOR: i32 = -1;
export const NOT_GRANTED: i32 = -2;
export const TOO_LARGE: i32 = -3;
export const NAME_NOT_FOUND: i32 = -4;
export const NO_REQUEST: i32 = -5;
export const STOPPING: i32 = -6;
export const INVALID_ARGUMENT: i32 = -7;
export const MAILBOX_FULL: i32 = -8;
export const TIMER_LIMIT: i32 = -9;
export const NO_SUCH_TIMER: i32 = -10;

// What messageKind() says of the message being handled.
export const PLAIN_MESSAGE: i32 = 0; // reply() sends a message back to its sender
export const REQUEST_MESSAGE: i32 = 1; // reply() answers the request
export const UNANSWERABLE: i32 = 2; // from no actor, or itself an answer
export const TIMER_MESSAGE: i32 = 3; // one of its own timers

// The status airssys_handle_reply gets with the answer to a request.
export const REPLY_OK: i32 = 0;
export const REPLY_TIMEOUT: i32 = 1;
export const REPLY_NO_SUCH_ACTOR: i32 = 2;
export const REPLY_UNHANDLED: i32 = 3;
export const REPLY_FAILED: i32 = 4;

export const HEALTHY: i32 = 0;
export const DEGRADED: i32 = 1;
export const UNHEALTHY: i32 = 2;

// --- the exports every component needs ---------------------------------------

export function airssys_abi_version(): i32 {
  return 1;
}

// One inbox reused for every payload: valid only during the call it is for.
let inbox: usize = 0;
let inboxCapacity: u32 = 0;

export function airssys_alloc(size: u32): usize {
  if (size > inboxCapacity) {
    if (inbox != 0) heap.free(inbox);
    inbox = heap.alloc(size);
    inboxCapacity = size;
  }
  return inbox;
}

// --- helpers -------------------------------------------------------------------

// The payload as a string (UTF-8).
export function text(ptr: usize, len: u32): string {
  return String.UTF8.decodeUnsafe(ptr, len);
}

function bytesOf(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}

// Answers the message being handled.
export function reply(s: string): i32 {
  const b = bytesOf(s);
  return host_reply(changetype<usize>(b), b.byteLength);
}

export function send(to: u64, s: string): i32 {
  const b = bytesOf(s);
  return host_send(to, changetype<usize>(b), b.byteLength);
}

export function sendName(name: string, s: string): i32 {
  const n = bytesOf(name);
  const b = bytesOf(s);
  return host_send_name(changetype<usize>(n), n.byteLength, changetype<usize>(b), b.byteLength);
}

// Asynchronous request (needs "request:*", or "request:<name>" for the
// address registered under <name>): a request id > 0 whose answer arrives in
// the component's airssys_handle_reply(requestId: u64, status: i32,
// ptr: usize, len: u32): i32, or a negative status. timeoutMs 0 means 5 s.
export function request(to: u64, s: string, timeoutMs: u32 = 0): i64 {
  const b = bytesOf(s);
  return host_request(to, changetype<usize>(b), b.byteLength, timeoutMs);
}

// The address registered under `name`, or 0 (needs "lookup").
export function lookup(name: string): u64 {
  const n = bytesOf(name);
  return host_lookup(changetype<usize>(n), n.byteLength);
}

export function self(): u64 {
  return host_self();
}

export function now(): i64 {
  return host_now();
}

export function log(level: i32, s: string): void {
  const b = bytesOf(s);
  host_log(level, changetype<usize>(b), b.byteLength);
}

// Sends `s` to `to` after `delayMs` (to itself: a timer; elsewhere a send
// grant must cover `to`). The timer is cancelled when this instance ends.
export function sendAfter(to: u64, delayMs: u32, s: string): i32 {
  const b = bytesOf(s);
  return host_send_after(to, delayMs, changetype<usize>(b), b.byteLength);
}

// sendAfter that returns a timer id (> 0) for cancelTimer, or a negative status.
export function startTimer(to: u64, delayMs: u32, s: string): i64 {
  const b = bytesOf(s);
  return host_start_timer(to, delayMs, changetype<usize>(b), b.byteLength);
}

// OK, or NO_SUCH_TIMER when it fired already, was cancelled or is not ours.
export function cancelTimer(timer: i64): i32 {
  return host_cancel_timer(timer);
}

// PLAIN_MESSAGE, REQUEST_MESSAGE, UNANSWERABLE or TIMER_MESSAGE for the
// message being handled; NO_REQUEST outside airssys_handle.
export function messageKind(): i32 {
  return host_message_kind();
}

// Exit codes of exit() with a meaning of their own; any other code is a
// failure. Codes from EXIT_RESERVED_FIRST up are reserved.
export const EXIT_NORMAL: i32 = 0; // exit reason normal
export const EXIT_RESERVED_FIRST: i32 = 0x7fff0000;
export const EXIT_SHUTDOWN: i32 = 0x7fff0001; // exit reason shutdown, `reason` its detail

// Ends the component: EXIT_NORMAL (0) is a normal exit and EXIT_SHUTDOWN an
// exit with reason shutdown (a transient component is restarted after
// neither), anything else a failure.
export function exit(code: i32, reason: string): void {
  const b = bytesOf(reason);
  host_exit(code, changetype<usize>(b), b.byteLength);
  unreachable();
}

// AssemblyScript's abort (failed assertions, out-of-range accesses) becomes a
// failure of the component with the message as its exit reason.
export function abortComponent(
  message: string | null,
  fileName: string | null,
  line: u32,
  column: u32
): void {
  let why = message !== null ? message : "abort";
  if (fileName !== null) why += " at " + fileName + ":" + line.toString() + ":" + column.toString();
  exit(1, why);
}
