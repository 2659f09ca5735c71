//! A #![no_std] component on wasm32-unknown-unknown that calls every host
//! import on command, fails on command in every way a Rust guest can, and
//! echoes anything else:
//!
//!   inc, get             "<count>/<inits>": a fresh instance counts from the
//!                        number in its config (or 0) and was initialised once
//!   trap                 wasm `unreachable`
//!   panic                panic!("asked to panic")
//!   exit-normal, exit-error, exit-shutdown, return-error
//!   kind                 message_kind as its code
//!   self                 its address; lookup:<name> the name's, or "none"
//!   send:<name>:<text>   lookup and send; send_name:<name>:<text>
//!   request:<name>:<text> a request, whose answer last-reply shows
//!   after:<ms>, timer:<ms>, cancel:<id>, ticks: timers to itself ("tick")
//!   now                  "monotonic" when two readings are > 0 and in order
//!   log:<text>           logs at info; degrade: health degraded from now on
//!   pages                its memory's size in 64 KiB pages
//!
//! Answers are "error <status>" when a host call fails. Its init fails
//! with 7 when the config is "fail-init"; its shutdown logs "shutting down".
#![no_std]

use airssys::{Address, Buf, Component, Failure, Health, Level, ReplyStatus, RequestId, TimerId};
use core::fmt::Write;

static mut INITS: u64 = 0;

struct Echo {
    count: u64,
    ticks: u64,
    health: Health,
    last_reply: Buf<64>,
}

fn parse_u64(text: &str) -> Option<u64> {
    text.bytes().try_fold(0u64, |n, c| match c {
        b'0'..=b'9' => n.checked_mul(10)?.checked_add((c - b'0') as u64),
        _ => None,
    })
}

// "<name>:<text>" after a command's prefix.
fn name_and_text(rest: &str) -> (&str, &str) {
    rest.split_once(':').unwrap_or((rest, ""))
}

fn answer(out: &Buf<64>) -> Result<(), Failure> {
    Ok(airssys::reply(out)?)
}

fn answer_result(r: Result<(), airssys::Error>, ok: &str) -> Result<(), Failure> {
    let mut out = Buf::<64>::new();
    let _ = match r {
        Ok(()) => out.write_str(ok),
        Err(e) => write!(out, "error {}", e.code()),
    };
    answer(&out)
}

impl Component for Echo {
    fn init(config: &[u8]) -> Result<Self, Failure> {
        unsafe { INITS += 1 };
        if config == b"fail-init" {
            return Err(Failure::new(7));
        }
        let start = core::str::from_utf8(config).ok().and_then(parse_u64).unwrap_or(0);
        Ok(Echo { count: start, ticks: 0, health: Health::Healthy, last_reply: Buf::new() })
    }

    fn handle(&mut self, _sender: Option<Address>, message: &[u8]) -> Result<(), Failure> {
        let text = core::str::from_utf8(message).unwrap_or("");
        let mut out = Buf::<64>::new();
        match text {
            "inc" | "get" => {
                if text == "inc" {
                    self.count += 1;
                }
                let _ = write!(out, "{}/{}", self.count, unsafe { INITS });
                answer(&out)
            }
            "trap" => core::arch::wasm32::unreachable(),
            "panic" => panic!("asked to panic"),
            "exit-normal" => airssys::exit(airssys::EXIT_NORMAL, ""),
            "exit-error" => airssys::exit(3, "gave up"),
            "exit-shutdown" => airssys::exit(airssys::EXIT_SHUTDOWN, "done"),
            "return-error" => Err(Failure::new(5)),
            "kind" => {
                let kind = match airssys::message_kind()? {
                    airssys::MessageKind::Plain => airssys::PLAIN_MESSAGE,
                    airssys::MessageKind::Request => airssys::REQUEST_MESSAGE,
                    airssys::MessageKind::Unanswerable => airssys::UNANSWERABLE,
                    airssys::MessageKind::Timer => airssys::TIMER_MESSAGE,
                    airssys::MessageKind::Other(code) => code,
                };
                let _ = write!(out, "{}", kind);
                answer(&out)
            }
            "self" => {
                let _ = write!(out, "{}", airssys::self_address());
                answer(&out)
            }
            "now" => {
                let (a, b) = (airssys::now(), airssys::now());
                answer_result(Ok(()), if a > 0 && b >= a { "monotonic" } else { "not monotonic" })
            }
            "pages" => {
                let _ = write!(out, "{}", core::arch::wasm32::memory_size(0));
                answer(&out)
            }
            "ticks" => {
                let _ = write!(out, "{}", self.ticks);
                answer(&out)
            }
            "tick" => {
                if airssys::message_kind()? == airssys::MessageKind::Timer {
                    self.ticks += 1;
                }
                Ok(())
            }
            "last-reply" => answer(&self.last_reply),
            "degrade" => {
                self.health = Health::Degraded;
                answer_result(Ok(()), "degraded")
            }
            _ => {
                if let Some(name) = text.strip_prefix("lookup:") {
                    match airssys::lookup(name) {
                        Some(a) => {
                            let _ = write!(out, "{}", a);
                        }
                        None => {
                            let _ = out.write_str("none");
                        }
                    }
                    answer(&out)
                } else if let Some(rest) = text.strip_prefix("send:") {
                    let (name, payload) = name_and_text(rest);
                    let to = airssys::lookup(name).unwrap_or(Address(0));
                    answer_result(airssys::send(to, payload), "sent")
                } else if let Some(rest) = text.strip_prefix("send_name:") {
                    let (name, payload) = name_and_text(rest);
                    answer_result(airssys::send_name(name, payload), "sent")
                } else if let Some(rest) = text.strip_prefix("request:") {
                    let (name, payload) = name_and_text(rest);
                    let to = airssys::lookup(name).unwrap_or(Address(0));
                    answer_result(airssys::request(to, payload, 0).map(|_| ()), "requested")
                } else if let Some(ms) = text.strip_prefix("after:") {
                    let ms = parse_u64(ms).unwrap_or(0) as u32;
                    answer_result(airssys::send_after(airssys::self_address(), ms, "tick"), "armed")
                } else if let Some(ms) = text.strip_prefix("timer:") {
                    let ms = parse_u64(ms).unwrap_or(0) as u32;
                    match airssys::start_timer(airssys::self_address(), ms, "tick") {
                        Ok(TimerId(id)) => {
                            let _ = write!(out, "{}", id);
                            answer(&out)
                        }
                        Err(e) => answer_result(Err(e), ""),
                    }
                } else if let Some(id) = text.strip_prefix("cancel:") {
                    let id = TimerId(parse_u64(id).unwrap_or(0));
                    answer_result(airssys::cancel_timer(id), "cancelled")
                } else if let Some(line) = text.strip_prefix("log:") {
                    airssys::log(Level::Info, line);
                    answer_result(Ok(()), "logged")
                } else {
                    match airssys::reply(message) {
                        // An answer, or a message from no actor: nobody to echo to.
                        Ok(()) | Err(airssys::Error::NoRequest) => Ok(()),
                        Err(e) => Err(e.into()),
                    }
                }
            }
        }
    }

    fn handle_reply(
        &mut self,
        _request: RequestId,
        status: ReplyStatus,
        payload: &[u8],
    ) -> Result<(), Failure> {
        self.last_reply.clear();
        let payload = core::str::from_utf8(payload).unwrap_or("?");
        let _ = match status {
            ReplyStatus::Ok => write!(self.last_reply, "ok:{}", payload),
            other => write!(self.last_reply, "{:?}", other),
        };
        Ok(())
    }

    fn health(&self) -> Health {
        self.health
    }

    fn shutdown(&mut self) {
        airssys::log(Level::Info, "shutting down");
    }
}

airssys::component!(Echo);
