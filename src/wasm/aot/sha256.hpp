// SHA-256 (libcrypto's EVP digest): the AOT cache's keys and the digests
// that verify its entries.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // libcrypto's EVP_MD_CTX

namespace airssys::wasm::detail {

using Sha256Digest = std::array<std::uint8_t, 32>;

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, std::size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  // The digest of everything added; the object is not used afterwards.
  // libcrypto fails only without memory: that throws std::bad_alloc, like
  // any other allocation.
  Sha256Digest finish();

 private:
  evp_md_ctx_st* ctx_;
  bool ok_ = false;
};

std::string hex(const Sha256Digest& digest);

}  // namespace airssys::wasm::detail
