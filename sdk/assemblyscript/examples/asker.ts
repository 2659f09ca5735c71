// Requests and lookups in AssemblyScript: "ask:<name>" looks <name> up and
// requests "inc" from it; the answer (or "failed") is sent to whoever asked.
// An unknown name is answered with "not-found" at once.
export { airssys_abi_version, airssys_alloc } from "airssys-assemblyscript-sdk/assembly/airssys";
import { REPLY_OK, lookup, reply, request, send, text } from "airssys-assemblyscript-sdk/assembly/airssys";

let asker: u64 = 0;

export function airssys_handle(sender: u64, ptr: usize, len: u32): i32 {
  const message = text(ptr, len);
  if (!message.startsWith("ask:")) return 1;
  const target = lookup(message.substring(4));
  if (target == 0) return reply("not-found");
  asker = sender;
  return request(target, "inc", 1000) > 0 ? 0 : 1;
}

export function airssys_handle_reply(requestId: u64, status: i32, ptr: usize, len: u32): i32 {
  return send(asker, status == REPLY_OK ? text(ptr, len) : "failed");
}
