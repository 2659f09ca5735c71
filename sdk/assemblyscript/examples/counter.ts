// A counter component in AssemblyScript: "inc" adds one, every message is
// answered with "<count>/<inits>", "crash" fails with an assertion. The
// config passed to airssys_init is the starting count.
export { airssys_abi_version, airssys_alloc } from "airssys-assemblyscript-sdk/assembly/airssys";
import { reply, text } from "airssys-assemblyscript-sdk/assembly/airssys";

let count: i64 = 0;
let inits: i32 = 0;

export function airssys_init(ptr: usize, len: u32): i32 {
  inits += 1;
  const config = text(ptr, len);
  count = config.length > 0 ? I64.parseInt(config) : 0;
  return 0;
}

export function airssys_handle(sender: u64, ptr: usize, len: u32): i32 {
  const message = text(ptr, len);
  assert(message != "crash", "crash requested");
  if (message == "inc") count += 1;
  return reply(count.toString() + "/" + inits.toString());
}
