// A job in AssemblyScript, run as a transient component: "work" counts one
// step and answers the steps so far, "done" ends it the OTP way (exit reason
// shutdown: its supervisor does not restart it), "fail" ends it with an
// error (restarted as a fresh instance).
export { airssys_abi_version, airssys_alloc } from "airssys-assemblyscript-sdk/assembly/airssys";
import { EXIT_SHUTDOWN, exit, reply, text } from "airssys-assemblyscript-sdk/assembly/airssys";

let steps: i32 = 0;

export function airssys_handle(sender: u64, ptr: usize, len: u32): i32 {
  const message = text(ptr, len);
  if (message == "done") exit(EXIT_SHUTDOWN, "job done after " + steps.toString() + " steps");
  if (message == "fail") exit(1, "job failed");
  if (message == "work") steps += 1;
  return reply(steps.toString());
}
