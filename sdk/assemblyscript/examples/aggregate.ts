// The pipeline's sink, in AssemblyScript: sums the values "parse" sends and
// logs the running mean every ten values. Its state starts over whenever it
// is restarted (under rest_for_one, when "parse" fails).
export { airssys_abi_version, airssys_alloc } from "airssys-assemblyscript-sdk/assembly/airssys";
import { log, reply, text } from "airssys-assemblyscript-sdk/assembly/airssys";

let count: i64 = 0;
let sum: i64 = 0;

export function airssys_init(ptr: usize, len: u32): i32 {
  count = 0;
  sum = 0;
  return 0;
}

export function airssys_handle(sender: u64, ptr: usize, len: u32): i32 {
  const message = text(ptr, len);
  if (message == "stats") {
    return reply("count=" + count.toString() + " sum=" + sum.toString());
  }
  sum += I64.parseInt(message);
  count += 1;
  if (count % 10 == 0) {
    const mean = <f64>sum / <f64>count;
    log(1, "count=" + count.toString() + " mean=" + mean.toString());
  }
  return 0;
}
