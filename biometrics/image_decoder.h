// Turns untrusted JPEG, PNG or WebP bytes into an upright 8-bit RGB image, refusing oversized or
// malformed input from the header alone, before any pixel is decoded.
#ifndef ENCUENTRO_BIOMETRICS_IMAGE_DECODER_H_
#define ENCUENTRO_BIOMETRICS_IMAGE_DECODER_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "biometrics/rgb_image.h"

namespace encuentro::biometrics {

enum class ImageFormat { kJpeg, kPng, kWebp };

const char* ImageFormatName(ImageFormat format);

// Limits enforced before decoding. Defaults admit any camera photo (up to 100 MP) while capping
// the memory one request can make the decoder allocate (~300 MB of RGB).
struct DecodeLimits {
  std::size_t max_bytes = 64u << 20;
  std::int64_t max_pixels = 100'000'000;
  int max_side = 30'000;
};

// Format and stored dimensions read from the file header (before EXIF rotation).
struct ImageHeader {
  ImageFormat format = ImageFormat::kJpeg;
  int width = 0;
  int height = 0;
};

// Parses only the header: PNG IHDR, JPEG SOFn, WebP VP8/VP8L/VP8X. InvalidArgument for anything
// that is not a well-formed header of one of the three formats. Thread-safe.
absl::StatusOr<ImageHeader> ReadImageHeader(absl::Span<const std::uint8_t> bytes);

// Decodes after checking `limits` against the header. The result is upright (a JPEG's EXIF
// orientation is applied), 8-bit RGB (grayscale is expanded, 16-bit is reduced, alpha is
// dropped). Outcomes:
//   - InvalidArgument: not JPEG/PNG/WebP, malformed or truncated data (a JPEG without its
//     end-of-image marker counts as truncated, rather than decoding to a grey-filled image);
//   - ResourceExhausted: over max_bytes, max_pixels or max_side;
//   - OK for any well-formed image, however small (a 1x1 image decodes; it holds no face).
// Never throws. Thread-safe.
absl::StatusOr<RgbImage> DecodeImage(absl::Span<const std::uint8_t> bytes,
                                     const DecodeLimits& limits = {});

// A photo decoded for analysis at a bounded working resolution, with the full upright size it
// stands for. Face analysis never needs more than a few megapixels, and a 100 MP image decoded
// whole costs seconds of detection and hundreds of megabytes.
struct WorkingImage {
  RgbImage image;
  int full_width = 0;  // upright, as DecodeImage would return it
  int full_height = 0;
  double scale = 1;  // full-resolution pixels per working pixel, >= 1
};

// As DecodeImage, but the result has at most `max_working_pixels` pixels: a JPEG is decoded
// straight at 1/2, 1/4 or 1/8 scale (libjpeg's DCT scaling), so that it never exists at full
// size; PNG and WebP are decoded whole and reduced (area averaging). Thread-safe.
absl::StatusOr<WorkingImage> DecodeWorkingImage(absl::Span<const std::uint8_t> bytes,
                                                const DecodeLimits& limits,
                                                std::int64_t max_working_pixels);

// Reads `path` (refusing files over limits.max_bytes before reading them) and decodes it.
// NotFound if the file cannot be opened.
absl::StatusOr<RgbImage> DecodeImageFile(const std::string& path, const DecodeLimits& limits = {});

}  // namespace encuentro::biometrics

#endif  // ENCUENTRO_BIOMETRICS_IMAGE_DECODER_H_
