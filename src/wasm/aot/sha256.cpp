// SHA-256 through libcrypto's EVP interface.
#include "aot/sha256.hpp"

#include <openssl/evp.h>

#include <new>

namespace airssys::wasm::detail {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) throw std::bad_alloc();
  ok_ = EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) == 1;
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(ctx_);
}

void Sha256::update(const void* data, std::size_t size) {
  if (size > 0) ok_ = ok_ && EVP_DigestUpdate(ctx_, data, size) == 1;
}

Sha256Digest Sha256::finish() {
  Sha256Digest digest{};
  unsigned int len = 0;
  ok_ = ok_ && EVP_DigestFinal_ex(ctx_, digest.data(), &len) == 1 && len == digest.size();
  if (!ok_) throw std::bad_alloc();
  return digest;
}

std::string hex(const Sha256Digest& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (std::uint8_t b : digest) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

}  // namespace airssys::wasm::detail
