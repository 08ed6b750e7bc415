// Untrusted photo bytes through the decoder: header parsing, limits, full and working-resolution
// decoding. Limits are small so that a fuzzed header cannot make a run allocate gigabytes.
#include <cstddef>
#include <cstdint>

#include "absl/types/span.h"
#include "biometrics/image_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace encuentro::biometrics;
  const absl::Span<const std::uint8_t> bytes(data, size);
  DecodeLimits limits;
  limits.max_pixels = 4'000'000;
  limits.max_side = 8'000;
  (void)ReadImageHeader(bytes);
  if (auto image = DecodeImage(bytes, limits); image.ok()) {
    if (image->pixels.size() != image->ByteSize()) __builtin_trap();
  }
  if (auto working = DecodeWorkingImage(bytes, limits, 250'000); working.ok()) {
    if (static_cast<std::int64_t>(working->image.width) * working->image.height > 250'000 ||
        working->scale < 1) {
      __builtin_trap();
    }
  }
  return 0;
}
