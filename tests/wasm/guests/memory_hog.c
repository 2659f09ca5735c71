/* "grow" takes memory a page at a time until the host stops it; "small"
 * takes one page and answers with the page count. */
#include "airssys.h"

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  (void)sender;
  if (airssys_equals(data, len, "grow")) {
    for (;;) {
      if (__builtin_wasm_memory_grow(0, 1) == (unsigned long)-1) {
        return airssys_reply_str("refused");
      }
    }
  }
  if (airssys_equals(data, len, "small")) __builtin_wasm_memory_grow(0, 1);
  char out[24];
  uint32_t n = airssys_format_u64(__builtin_wasm_memory_size(0), out);
  return airssys_reply(out, n) == AIRSSYS_OK ? 0 : 1;
}
