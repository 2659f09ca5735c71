//! The exports: the `Component` trait a guest implements for its state, and
//! `component!`, which defines guest_abi.hpp's kGuestExports over it
//! (airssys_abi_version, airssys_alloc, airssys_init, airssys_handle,
//! airssys_handle_reply, airssys_health, airssys_shutdown; `_initialize` on
//! wasm32-wasi), with the inbox airssys_alloc hands out.
use crate::{Address, Failure, Health, ReplyStatus, RequestId};

/// A component's state and its handlers. `init` makes the state on every
/// fresh instance (a restart starts from `init` again, with fresh memory);
/// the other handlers get it back.
pub trait Component: Sized + 'static {
    /// With the component's config bytes; an `Err` fails the start
    /// (`init_failed: airssys_init returned N`).
    fn init(config: &[u8]) -> Result<Self, Failure>;

    /// Every message; `sender` is `None` when it is not from an actor. An
    /// `Err` fails the component (`handler_failed: airssys_handle returned
    /// N`). `message` is valid until the handler returns.
    fn handle(&mut self, sender: Option<Address>, message: &[u8]) -> Result<(), Failure>;

    /// The answer to an earlier [`request`](crate::request), or how it
    /// failed. Components that make requests implement it; by default
    /// answers are dropped.
    fn handle_reply(
        &mut self,
        request: RequestId,
        status: ReplyStatus,
        payload: &[u8],
    ) -> Result<(), Failure> {
        let _ = (request, status, payload);
        Ok(())
    }

    /// When the component is asked for its health.
    fn health(&self) -> Health {
        Health::Healthy
    }

    /// Once when the component is stopped normally (not after a crash, not
    /// on brutal_kill), within its shutdown timeout.
    fn shutdown(&mut self) {}
}

/// Defines the component's exports over a type implementing [`Component`]:
/// `airssys::component!(MyComponent);` once, at the crate's top level.
#[macro_export]
macro_rules! component {
    ($component:ty) => {
        const _: () = {
            static mut STATE: ::core::option::Option<$component> = ::core::option::Option::None;

            // Read by the host at load: the body must be `i32.const 1`.
            #[export_name = "airssys_abi_version"]
            extern "C" fn abi_version() -> i32 {
                $crate::ABI_VERSION
            }
            #[export_name = "airssys_alloc"]
            extern "C" fn alloc(size: usize) -> *mut u8 {
                unsafe { $crate::__private::alloc(size) }
            }
            #[export_name = "airssys_init"]
            extern "C" fn init(ptr: *const u8, len: usize) -> i32 {
                unsafe { $crate::__private::init(&mut STATE, ptr, len) }
            }
            #[export_name = "airssys_handle"]
            extern "C" fn handle(sender: u64, ptr: *const u8, len: usize) -> i32 {
                unsafe { $crate::__private::handle(&mut STATE, sender, ptr, len) }
            }
            #[export_name = "airssys_handle_reply"]
            extern "C" fn handle_reply(request: u64, status: i32, ptr: *const u8, len: usize) -> i32 {
                unsafe { $crate::__private::handle_reply(&mut STATE, request, status, ptr, len) }
            }
            #[export_name = "airssys_health"]
            extern "C" fn health() -> i32 {
                unsafe { $crate::__private::health(&STATE) }
            }
            #[export_name = "airssys_shutdown"]
            extern "C" fn shutdown() {
                unsafe { $crate::__private::shutdown(&mut STATE) }
            }
            // The WASI reactor's entry, as wasi-libc's crt1-reactor.o: the
            // host runs it before airssys_init on every fresh instance.
            // Referencing __wasm_call_ctors also keeps wasm-ld from wrapping
            // every export in constructor and destructor calls.
            #[cfg(target_os = "wasi")]
            #[export_name = "_initialize"]
            extern "C" fn initialize() {
                unsafe { $crate::__private::call_ctors() }
            }
        };
    };
}

/// What `component!` expands to calls; not an API.
#[doc(hidden)]
pub mod __private {
    use super::*;

    pub unsafe fn alloc(size: usize) -> *mut u8 {
        inbox::alloc(size)
    }

    unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
        if len == 0 {
            &[]
        } else {
            core::slice::from_raw_parts(ptr, len)
        }
    }

    fn code(r: Result<(), Failure>) -> i32 {
        match r {
            Ok(()) => 0,
            Err(f) => f.code(),
        }
    }

    fn ready<'a, C>(state: &'a mut Option<C>, export: &str) -> &'a mut C {
        match state {
            Some(c) => c,
            None => {
                let mut text = crate::Buf::<64>::new();
                let _ = core::fmt::Write::write_fmt(
                    &mut text,
                    format_args!("{} before airssys_init", export),
                );
                crate::exit(crate::EXIT_PANIC, &text)
            }
        }
    }

    pub unsafe fn init<C: Component>(state: &mut Option<C>, ptr: *const u8, len: usize) -> i32 {
        #[cfg(feature = "std")]
        crate::install_panic_hook();
        match C::init(bytes(ptr, len)) {
            Ok(c) => {
                *state = Some(c);
                0
            }
            Err(f) => f.code(),
        }
    }

    pub unsafe fn handle<C: Component>(
        state: &mut Option<C>,
        sender: u64,
        ptr: *const u8,
        len: usize,
    ) -> i32 {
        let sender = if sender == 0 { None } else { Some(Address(sender)) };
        code(ready(state, "airssys_handle").handle(sender, bytes(ptr, len)))
    }

    pub unsafe fn handle_reply<C: Component>(
        state: &mut Option<C>,
        request: u64,
        status: i32,
        ptr: *const u8,
        len: usize,
    ) -> i32 {
        let c = ready(state, "airssys_handle_reply");
        code(c.handle_reply(RequestId(request), ReplyStatus::from_code(status), bytes(ptr, len)))
    }

    pub fn health<C: Component>(state: &Option<C>) -> i32 {
        match state {
            Some(c) => c.health() as i32,
            None => crate::UNHEALTHY,
        }
    }

    pub fn shutdown<C: Component>(state: &mut Option<C>) {
        if let Some(c) = state {
            c.shutdown()
        }
    }

    #[cfg(target_os = "wasi")]
    pub unsafe fn call_ctors() {
        extern "C" {
            fn __wasm_call_ctors();
        }
        __wasm_call_ctors()
    }
}

/// The inbox airssys_alloc returns: one buffer reused by every call that
/// passes bytes, which only need to live until that call returns (guest
/// ABI). It grows to the largest payload so far and never shrinks.
#[cfg(feature = "alloc")]
mod inbox {
    use alloc::vec::Vec;

    static mut INBOX: Vec<u8> = Vec::new();

    pub unsafe fn alloc(size: usize) -> *mut u8 {
        if size > INBOX.capacity() {
            INBOX = Vec::new(); // the old buffer is freed before the larger one is taken
            if INBOX.try_reserve_exact(size).is_err() {
                return core::ptr::null_mut();
            }
        }
        INBOX.as_mut_ptr()
    }
}

/// Without an allocator the inbox is the memory from __heap_base on, grown
/// when a payload needs more, as in the C SDK.
#[cfg(not(feature = "alloc"))]
mod inbox {
    use core::arch::wasm32::{memory_grow, memory_size};

    extern "C" {
        static __heap_base: u8;
    }
    static mut CAPACITY: usize = 0;

    pub unsafe fn alloc(size: usize) -> *mut u8 {
        let base = core::ptr::addr_of!(__heap_base) as usize;
        if size > CAPACITY {
            let end = base as u64 + size as u64;
            let have = memory_size(0) as u64 * 65536;
            if end > have {
                let pages = (end - have + 65535) / 65536;
                if pages > u32::MAX as u64 || memory_grow(0, pages as usize) == usize::MAX {
                    return core::ptr::null_mut();
                }
            }
            CAPACITY = size;
        }
        base as *mut u8
    }
}
