/* The pipeline's source: every <period> ms (its config, default 100) it
 * makes a reading "r<n>:<value>" and sends it to "parse" and to "audit".
 * Every 25th reading is garbled ("r<n>:???"), which "parse" cannot take. */
#include "airssys.h"

static uint32_t period_ms = 100;
static uint64_t n;

static void schedule(void) {
  (void)airssys_send_after(airssys_self(), period_ms, "tick", 4);
}

int32_t airssys_init(const uint8_t* config, uint32_t len) {
  uint32_t p = 0;
  for (uint32_t i = 0; i < len && config[i] >= '0' && config[i] <= '9'; ++i) {
    p = p * 10 + (uint32_t)(config[i] - '0');
  }
  if (p != 0) period_ms = p;
  schedule();
  return 0;
}

int32_t airssys_handle(airssys_address sender, const uint8_t* data, uint32_t len) {
  (void)sender;
  if (!airssys_equals(data, len, "tick")) return 0;
  ++n;
  char record[48];
  uint32_t k = 0;
  record[k++] = 'r';
  k += airssys_format_u64(n, record + k);
  record[k++] = ':';
  if (n % 25 == 0) {
    record[k++] = '?';
    record[k++] = '?';
    record[k++] = '?';
  } else {
    k += airssys_format_u64((n * 7919u) % 100u, record + k); /* a reading, 0..99 */
  }
  (void)airssys_send_name("parse", 5, record, k);
  (void)airssys_send_name("audit", 5, record, k);
  schedule();
  return 0;
}
