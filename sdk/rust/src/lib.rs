//! airssys guest SDK for Rust (guest ABI v1, docs/guest-abi.md).
//!
//! A component is a `cdylib` that implements [`Component`] for its state and
//! names the type in [`component!`], which defines every export the host
//! looks for. The functions here are safe wrappers of the host's imports
//! (module `airssys`), each returning a [`Result`] with the ABI's status
//! codes as [`Error`].
//!
//! ```ignore
//! #![no_std]
//! struct Echo;
//! impl airssys::Component for Echo {
//!     fn init(_config: &[u8]) -> Result<Self, airssys::Failure> { Ok(Echo) }
//!     fn handle(&mut self, _from: Option<airssys::Address>, message: &[u8])
//!         -> Result<(), airssys::Failure> {
//!         Ok(airssys::reply(message)?)
//!     }
//! }
//! airssys::component!(Echo);
//! ```
//!
//! Features: `panic-handler` for `#![no_std]` guests (a panic exits the
//! component with its message and location), `std` for std guests (the same
//! through std's panic hook; implies `alloc`), `alloc` to take the inbox from
//! the global allocator. The crate itself uses `core` (and `alloc` with the
//! feature) only. Build with the settings in `sdk/rust/config.toml`
//! (sdk/rust/README.md).
#![no_std]

#[cfg(not(target_arch = "wasm32"))]
compile_error!("the airssys SDK builds components: --target wasm32-unknown-unknown or wasm32-wasi");

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod buf;
mod component;
mod panic;

pub use buf::Buf;
pub use component::Component;
#[doc(hidden)]
pub use component::__private;
pub use panic::exit_on_panic;
#[cfg(feature = "std")]
pub use panic::install_panic_hook;

use core::fmt;

/// The guest ABI version `airssys_abi_version` returns.
pub const ABI_VERSION: i32 = 1;

// Status codes of host calls (0 = success); `Error` names the others.
pub const OK: i32 = 0;
pub const NO_SUCH_ACTOR: i32 = -1;
pub const NOT_GRANTED: i32 = -2;
pub const TOO_LARGE: i32 = -3;
pub const NAME_NOT_FOUND: i32 = -4;
pub const NO_REQUEST: i32 = -5;
pub const STOPPING: i32 = -6;
pub const INVALID_ARGUMENT: i32 = -7;
pub const MAILBOX_FULL: i32 = -8; // the receiver's bounded mailbox is full
pub const TIMER_LIMIT: i32 = -9; // max_timers or timer_bytes pending already
pub const NO_SUCH_TIMER: i32 = -10;

// Exit codes of `exit` with a meaning of their own; any other code is a
// failure. Codes from EXIT_RESERVED_FIRST up are reserved.
pub const EXIT_NORMAL: i32 = 0; // exit reason normal
pub const EXIT_RESERVED_FIRST: i32 = 0x7fff0000;
pub const EXIT_SHUTDOWN: i32 = 0x7fff0001; // exit reason shutdown, the text its detail
/// The failure code a panic exits with (exit reason `exit: panicked at ...`).
pub const EXIT_PANIC: i32 = 101;

// What `message_kind` says of the message being handled.
pub const PLAIN_MESSAGE: i32 = 0; // reply sends a message back to its sender
pub const REQUEST_MESSAGE: i32 = 1; // reply answers the request
pub const UNANSWERABLE: i32 = 2; // from no actor, or itself an answer: reply fails
pub const TIMER_MESSAGE: i32 = 3; // one of its own timers: reply fails

// Reply statuses passed to airssys_handle_reply.
pub const REPLY_OK: i32 = 0;
pub const REPLY_TIMEOUT: i32 = 1;
pub const REPLY_NO_SUCH_ACTOR: i32 = 2;
pub const REPLY_UNHANDLED: i32 = 3;
pub const REPLY_FAILED: i32 = 4;

// Health codes returned by airssys_health.
pub const HEALTHY: i32 = 0;
pub const DEGRADED: i32 = 1;
pub const UNHEALTHY: i32 = 2;

// Log levels.
pub const LOG_DEBUG: i32 = 0;
pub const LOG_INFO: i32 = 1;
pub const LOG_WARN: i32 = 2;
pub const LOG_ERROR: i32 = 3;

/// A status code a host call failed with.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Error {
    NoSuchActor,
    NotGranted,
    TooLarge,
    NameNotFound,
    NoRequest,
    Stopping,
    InvalidArgument,
    MailboxFull,
    TimerLimit,
    NoSuchTimer,
    /// A code this SDK does not know (a newer host's).
    Other(i32),
}

impl Error {
    pub const fn from_code(code: i32) -> Error {
        match code {
            NO_SUCH_ACTOR => Error::NoSuchActor,
            NOT_GRANTED => Error::NotGranted,
            TOO_LARGE => Error::TooLarge,
            NAME_NOT_FOUND => Error::NameNotFound,
            NO_REQUEST => Error::NoRequest,
            STOPPING => Error::Stopping,
            INVALID_ARGUMENT => Error::InvalidArgument,
            MAILBOX_FULL => Error::MailboxFull,
            TIMER_LIMIT => Error::TimerLimit,
            NO_SUCH_TIMER => Error::NoSuchTimer,
            other => Error::Other(other),
        }
    }

    pub const fn code(self) -> i32 {
        match self {
            Error::NoSuchActor => NO_SUCH_ACTOR,
            Error::NotGranted => NOT_GRANTED,
            Error::TooLarge => TOO_LARGE,
            Error::NameNotFound => NAME_NOT_FOUND,
            Error::NoRequest => NO_REQUEST,
            Error::Stopping => STOPPING,
            Error::InvalidArgument => INVALID_ARGUMENT,
            Error::MailboxFull => MAILBOX_FULL,
            Error::TimerLimit => TIMER_LIMIT,
            Error::NoSuchTimer => NO_SUCH_TIMER,
            Error::Other(code) => code,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Error::NoSuchActor => "no such actor",
            Error::NotGranted => "not granted",
            Error::TooLarge => "too large",
            Error::NameNotFound => "name not found",
            Error::NoRequest => "no message to reply to",
            Error::Stopping => "system stopping",
            Error::InvalidArgument => "invalid argument",
            Error::MailboxFull => "mailbox full",
            Error::TimerLimit => "timer limit",
            Error::NoSuchTimer => "no such timer",
            Error::Other(code) => return write!(f, "host status {}", code),
        };
        f.write_str(text)
    }
}

/// What an export returns when it fails: a nonzero code the host reports
/// (`handler_failed: airssys_handle returned N`, `init_failed: airssys_init
/// returned N`). From an [`Error`] it is the status code, so `?` on a host
/// call fails the handler with the call's status.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Failure(i32);

impl Failure {
    /// A failure with `code`; 0, which means success, becomes 1.
    pub const fn new(code: i32) -> Failure {
        Failure(if code == 0 { 1 } else { code })
    }
    pub const fn code(self) -> i32 {
        self.0
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::new(e.code())
    }
}

/// An actor's address (stable across a component's restarts).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Address(pub u64);

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// A request's id, as [`request`] returned it and `handle_reply` gets it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct RequestId(pub u64);

/// A timer's id, as [`start_timer`] returned it, for [`cancel_timer`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct TimerId(pub u64);

/// What the message being handled is ([`message_kind`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MessageKind {
    /// [`reply`] sends a message back to its sender.
    Plain,
    /// [`reply`] answers the request.
    Request,
    /// From no actor, or itself an answer: [`reply`] fails with `NoRequest`.
    Unanswerable,
    /// One of its own timers: [`reply`] fails with `NoRequest`.
    Timer,
    /// A kind this SDK does not know (a newer host's).
    Other(i32),
}

impl MessageKind {
    pub const fn from_code(code: i32) -> MessageKind {
        match code {
            PLAIN_MESSAGE => MessageKind::Plain,
            REQUEST_MESSAGE => MessageKind::Request,
            UNANSWERABLE => MessageKind::Unanswerable,
            TIMER_MESSAGE => MessageKind::Timer,
            other => MessageKind::Other(other),
        }
    }
}

/// How a request ended, as `handle_reply` gets it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReplyStatus {
    Ok,
    Timeout,
    /// The receiver was gone before it replied.
    NoSuchActor,
    Unhandled,
    Failed,
    /// A status this SDK does not know (a newer host's).
    Other(i32),
}

impl ReplyStatus {
    pub const fn from_code(code: i32) -> ReplyStatus {
        match code {
            REPLY_OK => ReplyStatus::Ok,
            REPLY_TIMEOUT => ReplyStatus::Timeout,
            REPLY_NO_SUCH_ACTOR => ReplyStatus::NoSuchActor,
            REPLY_UNHANDLED => ReplyStatus::Unhandled,
            REPLY_FAILED => ReplyStatus::Failed,
            other => ReplyStatus::Other(other),
        }
    }
}

/// What `airssys_health` answers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(i32)]
pub enum Health {
    Healthy = HEALTHY,
    Degraded = DEGRADED,
    Unhealthy = UNHEALTHY,
}

/// Log levels of [`log`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(i32)]
pub enum Level {
    Debug = LOG_DEBUG,
    Info = LOG_INFO,
    Warn = LOG_WARN,
    Error = LOG_ERROR,
}

// The host's imports. Their signatures are guest_abi.hpp's kHostImports: on
// wasm32 pointers and usize are i32.
mod sys {
    #[link(wasm_import_module = "airssys")]
    extern "C" {
        pub fn send(to: u64, ptr: *const u8, len: usize) -> i32;
        pub fn send_name(name: *const u8, name_len: usize, ptr: *const u8, len: usize) -> i32;
        pub fn request(to: u64, ptr: *const u8, len: usize, timeout_ms: u32) -> i64;
        pub fn reply(ptr: *const u8, len: usize) -> i32;
        #[link_name = "self"]
        pub fn self_address() -> u64;
        pub fn lookup(name: *const u8, name_len: usize) -> u64;
        pub fn log(level: i32, ptr: *const u8, len: usize);
        pub fn now() -> i64;
        pub fn exit(code: i32, ptr: *const u8, len: usize) -> !;
        pub fn send_after(to: u64, delay_ms: u32, ptr: *const u8, len: usize) -> i32;
        pub fn start_timer(to: u64, delay_ms: u32, ptr: *const u8, len: usize) -> i64;
        pub fn cancel_timer(timer: i64) -> i32;
        pub fn message_kind() -> i32;
    }
}

fn status(code: i32) -> Result<(), Error> {
    if code >= 0 {
        Ok(())
    } else {
        Err(Error::from_code(code))
    }
}

fn id(value: i64) -> Result<u64, Error> {
    if value > 0 {
        Ok(value as u64)
    } else {
        Err(Error::from_code(value as i32))
    }
}

/// Sends the bytes to an address (needs `send:*`, or `send:<name>` for the
/// address registered under `<name>`: an address alone grants nothing;
/// `NotGranted` otherwise).
pub fn send(to: Address, message: impl AsRef<[u8]>) -> Result<(), Error> {
    let m = message.as_ref();
    status(unsafe { sys::send(to.0, m.as_ptr(), m.len()) })
}

/// Sends the bytes to a registered name (needs `send:*` or `send:<name>`).
pub fn send_name(name: &str, message: impl AsRef<[u8]>) -> Result<(), Error> {
    let m = message.as_ref();
    status(unsafe { sys::send_name(name.as_ptr(), name.len(), m.as_ptr(), m.len()) })
}

/// An asynchronous request (needs `request:*`, or `request:<name>` for the
/// address registered under `<name>`): its answer, or how it failed, arrives
/// in [`Component::handle_reply`] with the id returned here. `timeout_ms` 0
/// means 5 s.
pub fn request(to: Address, message: impl AsRef<[u8]>, timeout_ms: u32) -> Result<RequestId, Error> {
    let m = message.as_ref();
    id(unsafe { sys::request(to.0, m.as_ptr(), m.len(), timeout_ms) }).map(RequestId)
}

/// Answers the message being handled: a request gets its reply, a plain
/// message a message back to its sender (which cannot be answered in turn).
/// `NoRequest` outside `handle` and for a message [`message_kind`] calls
/// unanswerable or a timer.
pub fn reply(message: impl AsRef<[u8]>) -> Result<(), Error> {
    let m = message.as_ref();
    status(unsafe { sys::reply(m.as_ptr(), m.len()) })
}

/// This component's address (import `self`).
pub fn self_address() -> Address {
    Address(unsafe { sys::self_address() })
}

/// The address registered under `name`, or `None` (needs `lookup`).
pub fn lookup(name: &str) -> Option<Address> {
    match unsafe { sys::lookup(name.as_ptr(), name.len()) } {
        0 => None,
        a => Some(Address(a)),
    }
}

/// A log line, made safe by the host (invalid UTF-8 replaced, control
/// characters escaped, cut to 4 KiB) and rate-limited.
pub fn log(level: Level, text: impl AsRef<[u8]>) {
    let t = text.as_ref();
    unsafe { sys::log(level as i32, t.as_ptr(), t.len()) }
}

/// Monotonic nanoseconds.
pub fn now() -> u64 {
    unsafe { sys::now() as u64 }
}

/// Ends this component and does not return: [`EXIT_NORMAL`] is a normal
/// exit and [`EXIT_SHUTDOWN`] an exit with reason `shutdown: <reason>` (a
/// transient component is restarted after neither), any other code a failure
/// with exit reason `exit: <reason>`.
pub fn exit(code: i32, reason: impl AsRef<[u8]>) -> ! {
    let r = reason.as_ref();
    unsafe { sys::exit(code, r.as_ptr(), r.len()) }
}

/// Sends the bytes to `to` after `delay_ms` milliseconds: to itself (a
/// timer) always, elsewhere with a send grant covering `to`. The timer
/// belongs to this instance and is cancelled when it ends. `TimerLimit` when
/// max_timers or timer_bytes are pending already.
pub fn send_after(to: Address, delay_ms: u32, message: impl AsRef<[u8]>) -> Result<(), Error> {
    let m = message.as_ref();
    status(unsafe { sys::send_after(to.0, delay_ms, m.as_ptr(), m.len()) })
}

/// [`send_after`] that returns a timer id for [`cancel_timer`].
pub fn start_timer(to: Address, delay_ms: u32, message: impl AsRef<[u8]>) -> Result<TimerId, Error> {
    let m = message.as_ref();
    id(unsafe { sys::start_timer(to.0, delay_ms, m.as_ptr(), m.len()) }).map(TimerId)
}

/// Cancels a pending timer; `NoSuchTimer` when it has fired already (its
/// message may be waiting to be handled), was cancelled, or is not one of
/// this instance's.
pub fn cancel_timer(timer: TimerId) -> Result<(), Error> {
    status(unsafe { sys::cancel_timer(timer.0 as i64) })
}

/// What the message being handled is; `NoRequest` outside `handle`.
pub fn message_kind() -> Result<MessageKind, Error> {
    let code = unsafe { sys::message_kind() };
    status(code).map(|()| MessageKind::from_code(code))
}
