//! A std component on wasm32-unknown-unknown (std's allocator, String,
//! format!): "inc"/"get" answer "<count>/<inits>" with the messages it keeps;
//! "panic" panics with a formatted message, "unwrap" unwraps a None; "keep:<n>"
//! keeps n KiB more on the heap; "pages" is its memory's size in pages;
//! anything else comes back upper-cased.
use airssys::{Address, Component, Failure};
use std::sync::atomic::{AtomicU64, Ordering};

static INITS: AtomicU64 = AtomicU64::new(0);

struct Upper {
    count: u64,
    kept: Vec<Vec<u8>>,
}

impl Component for Upper {
    fn init(config: &[u8]) -> Result<Self, Failure> {
        INITS.fetch_add(1, Ordering::Relaxed);
        let start = String::from_utf8_lossy(config).parse().unwrap_or(0);
        Ok(Upper { count: start, kept: Vec::new() })
    }

    fn handle(&mut self, _sender: Option<Address>, message: &[u8]) -> Result<(), Failure> {
        let text = String::from_utf8_lossy(message).into_owned();
        let answer = match text.as_str() {
            "inc" | "get" => {
                if text == "inc" {
                    self.count += 1;
                }
                format!("{}/{}", self.count, INITS.load(Ordering::Relaxed))
            }
            "panic" => panic!("asked to panic after {} messages", self.count),
            "unwrap" => {
                let nothing: Option<u8> = None;
                nothing.unwrap().to_string()
            }
            "pages" => core::arch::wasm32::memory_size(0).to_string(),
            _ => match text.strip_prefix("keep:").and_then(|n| n.parse::<usize>().ok()) {
                Some(kib) => {
                    self.kept.push(vec![1u8; kib * 1024]);
                    format!("kept {} KiB", self.kept.iter().map(Vec::len).sum::<usize>() / 1024)
                }
                None => text.to_uppercase(),
            },
        };
        Ok(airssys::reply(answer)?)
    }
}

airssys::component!(Upper);
