//! A std component on wasm32-wasi, a reactor: its stdout, clocks and panics
//! go through WASI and the SDK.
//!
//!   print:<text>   println!s the text, answers "printed"
//!   time           "<seconds since the epoch> <ns since init>" (SystemTime,
//!                  Instant)
//!   inc, get       "<count>/<inits>"
//!   panic          panic!("asked to panic after <count> messages")
//!   pages          its memory's size in 64 KiB pages
//!   anything else  comes back as it came
use airssys::{Address, Component, Failure};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

static INITS: AtomicU64 = AtomicU64::new(0);

struct Wasi {
    started: Instant,
    count: u64,
}

impl Component for Wasi {
    fn init(_config: &[u8]) -> Result<Self, Failure> {
        INITS.fetch_add(1, Ordering::Relaxed);
        println!("rust_wasi starting");
        Ok(Wasi { started: Instant::now(), count: 0 })
    }

    fn handle(&mut self, _sender: Option<Address>, message: &[u8]) -> Result<(), Failure> {
        let text = String::from_utf8_lossy(message).into_owned();
        let answer = match text.as_str() {
            "time" => {
                let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
                format!("{} {}", since_epoch.as_secs(), self.started.elapsed().as_nanos())
            }
            "inc" | "get" => {
                if text == "inc" {
                    self.count += 1;
                }
                format!("{}/{}", self.count, INITS.load(Ordering::Relaxed))
            }
            "panic" => panic!("asked to panic after {} messages", self.count),
            "pages" => core::arch::wasm32::memory_size(0).to_string(),
            _ => match text.strip_prefix("print:") {
                Some(line) => {
                    println!("{}", line);
                    "printed".to_string()
                }
                None => return Ok(airssys::reply(message)?),
            },
        };
        Ok(airssys::reply(answer)?)
    }
}

airssys::component!(Wasi);
