//! The example system's audit (Rust, std on wasm32-unknown-unknown): it gets
//! every reading "r<n>:<value>" ingest makes and keeps their mean, and
//! rejects every <n>th reading (n from its config, default 7) with a panic,
//! which ends the component with exit reason `exit: panicked at 'reading
//! ... rejected ...', src/lib.rs:<line>:<column>`; its supervisor starts a
//! fresh one. A request (`airssys send audit --reply stats`) is answered with
//! what this instance has seen.
use airssys::{Address, Component, Failure, MessageKind};

struct Audit {
    every: u64,
    seen: u64,
    values: Vec<u64>,
}

impl Component for Audit {
    fn init(config: &[u8]) -> Result<Self, Failure> {
        let every = String::from_utf8_lossy(config).trim().parse().unwrap_or(7).max(1);
        Ok(Audit { every, seen: 0, values: Vec::new() })
    }

    fn handle(&mut self, _sender: Option<Address>, message: &[u8]) -> Result<(), Failure> {
        let text = String::from_utf8_lossy(message);
        if let Some((_, value)) = text.split_once(':') {
            self.seen += 1;
            if self.seen % self.every == 0 {
                panic!("reading {} rejected: every {}th one is", text, self.every);
            }
            if let Ok(v) = value.parse() {
                self.values.push(v);
            }
        }
        if airssys::message_kind()? == MessageKind::Request {
            let mean = self.values.iter().sum::<u64>() as f64 / self.values.len().max(1) as f64;
            airssys::reply(format!("{} readings, mean {:.1}", self.seen, mean))?;
        }
        Ok(())
    }
}

airssys::component!(Audit);
