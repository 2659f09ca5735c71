// SHA-256 through libcrypto's EVP interface.
#include "aot/sha256.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <mutex>
#include <new>

namespace airssys::wasm::detail {
namespace {

// Without its exit-time cleanup: the process may exit (a signal's second
// SIGTERM, a stuck worker left behind) while a compile thread still hashes,
// and the cleanup would free what that thread is using.
void init_libcrypto() {
  static std::once_flag once;
  std::call_once(once, [] { (void)OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr); });
}

EVP_MD_CTX* new_context() {
  init_libcrypto();
  return EVP_MD_CTX_new();
}

}  // namespace

Sha256::Sha256() : ctx_(new_context()) {
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
