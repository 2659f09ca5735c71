//! A panic ends the component through the `exit` import with code
//! `EXIT_PANIC` and the panic's message and location as the text: exit
//! reason `exit: panicked at '<message>', <file>:<line>:<column>`.
use core::fmt::Write;
use core::panic::PanicInfo;

use crate::{exit, Buf, EXIT_PANIC};

static mut PANICKING: bool = false;

/// Exits the component with the panic's message and location. Formats into
/// a stack buffer (no allocation: the allocator may be what failed); the
/// host keeps the first 1 KiB of the text.
pub fn exit_on_panic(info: &PanicInfo<'_>) -> ! {
    // One guest thread: a panic while formatting the first one lands here.
    unsafe {
        if PANICKING {
            exit(EXIT_PANIC, "panicked while panicking")
        }
        PANICKING = true;
    }
    let mut text = Buf::<1024>::new();
    let _ = write!(text, "{}", info);
    exit(EXIT_PANIC, &text)
}

/// Makes std's panics exit the component ([`exit_on_panic`]); the
/// `airssys_init` of [`component!`](crate::component) calls it before the
/// component's init, on every fresh instance.
#[cfg(feature = "std")]
pub fn install_panic_hook() {
    std::panic::set_hook(std::boxed::Box::new(|info| exit_on_panic(info)));
}

#[cfg(all(feature = "panic-handler", not(feature = "std")))]
#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    exit_on_panic(info)
}
