#include "biometrics/image_decoder.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <fstream>
#include <limits>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace encuentro::biometrics {
namespace {

using Bytes = absl::Span<const std::uint8_t>;

std::uint32_t BigEndian16(Bytes b, size_t at) { return (std::uint32_t{b[at]} << 8) | b[at + 1]; }
std::uint32_t BigEndian32(Bytes b, size_t at) {
  return (BigEndian16(b, at) << 16) | BigEndian16(b, at + 2);
}
std::uint32_t LittleEndian16(Bytes b, size_t at) {
  return std::uint32_t{b[at]} | (std::uint32_t{b[at + 1]} << 8);
}
std::uint32_t LittleEndian24(Bytes b, size_t at) {
  return LittleEndian16(b, at) | (std::uint32_t{b[at + 2]} << 16);
}
std::uint32_t LittleEndian32(Bytes b, size_t at) {
  return LittleEndian16(b, at) | (LittleEndian16(b, at + 2) << 16);
}

absl::Status Malformed(const char* format, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("malformed ", format, " image: ", what));
}

bool StartsWith(Bytes bytes, absl::string_view prefix, size_t at = 0) {
  if (bytes.size() < at + prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (bytes[at + i] != static_cast<std::uint8_t>(prefix[i])) return false;
  }
  return true;
}

absl::StatusOr<ImageHeader> ReadPngHeader(Bytes b) {
  // Signature, then the IHDR chunk must come first: length 13, "IHDR", width, height.
  if (b.size() < 8 + 8 + 13) return Malformed("PNG", "shorter than its IHDR chunk");
  if (BigEndian32(b, 8) != 13 || !StartsWith(b, "IHDR", 12)) {
    return Malformed("PNG", "first chunk is not IHDR");
  }
  const std::uint32_t width = BigEndian32(b, 16);
  const std::uint32_t height = BigEndian32(b, 20);
  constexpr std::uint32_t kMax = std::numeric_limits<std::int32_t>::max();
  if (width == 0 || height == 0 || width > kMax || height > kMax) {
    return Malformed("PNG", "invalid dimensions in IHDR");
  }
  return ImageHeader{ImageFormat::kPng, static_cast<int>(width), static_cast<int>(height)};
}

bool IsJpegStartOfFrame(std::uint8_t marker) {
  // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

bool IsJpegStandaloneMarker(std::uint8_t marker) {
  return marker == 0x01 || marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7);
}

struct JpegLayout {
  ImageHeader header;
  size_t scan_start = 0;  // Offset of the first SOS segment; 0 if the header had none.
};

// Walks the marker segments up to the first start-of-scan.
absl::StatusOr<JpegLayout> ReadJpegLayout(Bytes b) {
  JpegLayout layout;
  bool have_frame = false;
  size_t pos = 2;
  while (true) {
    if (pos >= b.size()) {
      if (have_frame) return layout;
      return Malformed("JPEG", "ends before its frame header");
    }
    if (b[pos] != 0xFF) return Malformed("JPEG", "expected a marker");
    while (pos < b.size() && b[pos] == 0xFF) ++pos;  // Fill bytes.
    if (pos >= b.size()) return Malformed("JPEG", "ends inside a marker");
    const std::uint8_t marker = b[pos++];
    if (IsJpegStandaloneMarker(marker)) continue;
    if (marker == 0xD9) return Malformed("JPEG", "end of image before any scan");
    if (marker == 0xDA) {
      if (!have_frame) return Malformed("JPEG", "scan before the frame header");
      layout.scan_start = pos;
      return layout;
    }
    if (pos + 2 > b.size()) return Malformed("JPEG", "ends inside a segment length");
    const std::uint32_t length = BigEndian16(b, pos);
    if (length < 2) return Malformed("JPEG", "invalid segment length");
    if (IsJpegStartOfFrame(marker) && !have_frame) {
      // Length, precision, height, width, component count.
      if (length < 8 || pos + 8 > b.size()) return Malformed("JPEG", "short frame header");
      const std::uint32_t height = BigEndian16(b, pos + 3);
      const std::uint32_t width = BigEndian16(b, pos + 5);
      if (width == 0 || height == 0) {
        // Height 0 defers it to a DNL marker after the first scan; no mainstream encoder does so.
        return Malformed("JPEG", "zero width or height in the frame header");
      }
      layout.header = {ImageFormat::kJpeg, static_cast<int>(width), static_cast<int>(height)};
      have_frame = true;
    }
    pos += length;
  }
}

// libjpeg "decodes" a truncated file by filling the missing rows with grey and only warns, so a
// cut-off upload would silently yield a half-grey face. A complete file has an EOI marker after its
// scan data (entropy-coded data never contains FF D9: FF bytes are stuffed as FF 00).
bool JpegHasEndOfImage(Bytes b, size_t scan_start) {
  if (b.size() < 2) return false;
  for (size_t i = b.size() - 1; i > scan_start; --i) {
    if (b[i] == 0xD9 && b[i - 1] == 0xFF) return true;
  }
  return false;
}

absl::StatusOr<ImageHeader> ReadWebpHeader(Bytes b) {
  // "RIFF" size "WEBP", then the first chunk's FourCC and size; its payload starts at 20.
  if (b.size() < 30) return Malformed("WebP", "shorter than its first chunk header");
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  if (StartsWith(b, "VP8 ", 12)) {
    // Lossy: 3-byte frame tag, start code 9D 01 2A, then 14-bit width and height.
    if (b[23] != 0x9D || b[24] != 0x01 || b[25] != 0x2A) {
      return Malformed("WebP", "bad VP8 start code");
    }
    width = LittleEndian16(b, 26) & 0x3FFF;
    height = LittleEndian16(b, 28) & 0x3FFF;
  } else if (StartsWith(b, "VP8L", 12)) {
    // Lossless: signature 0x2F, then 14 bits width-1 and 14 bits height-1.
    if (b[20] != 0x2F) return Malformed("WebP", "bad VP8L signature");
    const std::uint32_t bits = LittleEndian32(b, 21);
    width = (bits & 0x3FFF) + 1;
    height = ((bits >> 14) & 0x3FFF) + 1;
  } else if (StartsWith(b, "VP8X", 12)) {
    // Extended: 4 bytes of flags, then 24-bit canvas width-1 and height-1.
    width = LittleEndian24(b, 24) + 1;
    height = LittleEndian24(b, 27) + 1;
  } else {
    return Malformed("WebP", "unknown first chunk");
  }
  if (width == 0 || height == 0) return Malformed("WebP", "zero width or height");
  return ImageHeader{ImageFormat::kWebp, static_cast<int>(width), static_cast<int>(height)};
}

absl::Status CheckLimits(const ImageHeader& header, const DecodeLimits& limits) {
  const std::int64_t pixels = std::int64_t{header.width} * header.height;
  if (header.width > limits.max_side || header.height > limits.max_side ||
      pixels > limits.max_pixels) {
    return absl::ResourceExhaustedError(absl::StrCat(
        ImageFormatName(header.format), " image is ", header.width, "x", header.height,
        " pixels; the limit is ", limits.max_pixels, " pixels and ", limits.max_side, " per side"));
  }
  return absl::OkStatus();
}

}  // namespace

const char* ImageFormatName(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg:
      return "JPEG";
    case ImageFormat::kPng:
      return "PNG";
    case ImageFormat::kWebp:
      return "WebP";
  }
  return "unknown";
}

absl::StatusOr<ImageHeader> ReadImageHeader(Bytes bytes) {
  if (StartsWith(bytes, "\x89PNG\r\n\x1a\n")) return ReadPngHeader(bytes);
  if (bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF) {
    absl::StatusOr<JpegLayout> layout = ReadJpegLayout(bytes);
    if (!layout.ok()) return layout.status();
    return layout->header;
  }
  if (StartsWith(bytes, "RIFF") && StartsWith(bytes, "WEBP", 8)) return ReadWebpHeader(bytes);
  return absl::InvalidArgumentError(
      "not a JPEG, PNG or WebP image (unrecognized signature in the first bytes)");
}

namespace {

// Checks `bytes` against `limits` and its own header, and returns the header; everything
// DecodeImage refuses before decoding.
absl::StatusOr<ImageHeader> CheckBeforeDecoding(Bytes bytes, const DecodeLimits& limits) {
  if (bytes.size() > limits.max_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("image is ", bytes.size(), " bytes; the limit is ", limits.max_bytes));
  }
  absl::StatusOr<ImageHeader> header = ReadImageHeader(bytes);
  if (!header.ok()) return header.status();
  if (absl::Status status = CheckLimits(*header, limits); !status.ok()) return status;
  if (header->format == ImageFormat::kJpeg) {
    absl::StatusOr<JpegLayout> layout = ReadJpegLayout(bytes);
    if (!layout.ok()) return layout.status();
    if (layout->scan_start == 0 || !JpegHasEndOfImage(bytes, layout->scan_start)) {
      return absl::InvalidArgumentError("truncated JPEG image (no end-of-image marker)");
    }
  }
  return header;
}

// Decodes at 1/`denominator` of the full size (1, 2, 4 or 8; only JPEG decodes reduced, the
// others are decoded whole) into 8-bit BGR, upright. Whether the result is a rotation of the
// header's size is reported in `rotated`.
absl::StatusOr<cv::Mat> DecodeBgr(Bytes bytes, const ImageHeader& header, int denominator,
                                  bool* rotated) {
  // imdecode does not modify its input; the cast only satisfies cv::Mat's constructor.
  const cv::Mat encoded(1, static_cast<int>(bytes.size()), CV_8UC1,
                        const_cast<std::uint8_t*>(bytes.data()));
  // IMREAD_COLOR (and its reduced forms) yields 8-bit BGR from grey, 16-bit and alpha inputs
  // alike, and applies a JPEG's EXIF orientation.
  int flags = cv::IMREAD_COLOR;
  if (header.format != ImageFormat::kJpeg) denominator = 1;
  if (denominator == 2) flags = cv::IMREAD_REDUCED_COLOR_2;
  if (denominator == 4) flags = cv::IMREAD_REDUCED_COLOR_4;
  if (denominator == 8) flags = cv::IMREAD_REDUCED_COLOR_8;
  cv::Mat bgr = cv::imdecode(encoded, flags);
  if (bgr.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("corrupt ", ImageFormatName(header.format),
                                                   " image (the decoder rejected its data)"));
  }
  // libjpeg rounds reduced sizes up.
  const int w = (header.width + denominator - 1) / denominator;
  const int h = (header.height + denominator - 1) / denominator;
  const bool same = bgr.cols == w && bgr.rows == h;
  *rotated = bgr.cols == h && bgr.rows == w && !same;
  if (bgr.type() != CV_8UC3 || (!same && !*rotated)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "corrupt ", ImageFormatName(header.format), " image: header says ", header.width, "x",
        header.height, " but the data decodes to ", bgr.cols, "x", bgr.rows));
  }
  return bgr;
}

RgbImage ToRgb(const cv::Mat& bgr) {
  RgbImage image;
  image.width = bgr.cols;
  image.height = bgr.rows;
  image.pixels.resize(image.ByteSize());
  cv::Mat rgb(image.height, image.width, CV_8UC3, image.pixels.data());
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return image;
}

}  // namespace

absl::StatusOr<RgbImage> DecodeImage(Bytes bytes, const DecodeLimits& limits) {
  absl::StatusOr<ImageHeader> header = CheckBeforeDecoding(bytes, limits);
  if (!header.ok()) return header.status();
  try {
    bool rotated = false;
    absl::StatusOr<cv::Mat> bgr = DecodeBgr(bytes, *header, 1, &rotated);
    if (!bgr.ok()) return bgr.status();
    return ToRgb(*bgr);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("corrupt ", ImageFormatName(header->format), " image: ", e.what()));
  }
}

absl::StatusOr<WorkingImage> DecodeWorkingImage(Bytes bytes, const DecodeLimits& limits,
                                                std::int64_t max_working_pixels) {
  if (max_working_pixels < 1) return absl::InvalidArgumentError("max_working_pixels must be >= 1");
  absl::StatusOr<ImageHeader> header = CheckBeforeDecoding(bytes, limits);
  if (!header.ok()) return header.status();
  const std::int64_t full_pixels = std::int64_t{header->width} * header->height;
  // The least reduction that fits; past 1/8 the decoded image is reduced further below.
  int denominator = 1;
  while (denominator < 8 && full_pixels > max_working_pixels * denominator * denominator) {
    denominator *= 2;
  }
  try {
    bool rotated = false;
    absl::StatusOr<cv::Mat> bgr = DecodeBgr(bytes, *header, denominator, &rotated);
    if (!bgr.ok()) return bgr.status();
    cv::Mat working = *bgr;
    const std::int64_t pixels = std::int64_t{working.cols} * working.rows;
    if (pixels > max_working_pixels) {
      const double shrink = std::sqrt(static_cast<double>(max_working_pixels) / pixels);
      const int w = std::max(1, static_cast<int>(working.cols * shrink));
      const int h = std::max(1, static_cast<int>(working.rows * shrink));
      cv::resize(*bgr, working, cv::Size(w, h), 0, 0, cv::INTER_AREA);
    }
    WorkingImage out;
    out.full_width = rotated ? header->height : header->width;
    out.full_height = rotated ? header->width : header->height;
    out.image = ToRgb(working);
    out.scale = std::max(1.0, static_cast<double>(out.full_width) / out.image.width);
    return out;
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("corrupt ", ImageFormatName(header->format), " image: ", e.what()));
  }
}

absl::StatusOr<RgbImage> DecodeImageFile(const std::string& path, const DecodeLimits& limits) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  const std::streamoff size = in.tellg();
  if (size < 0) return absl::DataLossError(absl::StrCat("cannot read ", path));
  if (static_cast<std::uint64_t>(size) > limits.max_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat(path, " is ", size, " bytes; the limit is ", limits.max_bytes));
  }
  std::vector<std::uint8_t> bytes(static_cast<size_t>(size));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(bytes.data()), size);
  if (!in) return absl::DataLossError(absl::StrCat("error reading ", path));
  absl::StatusOr<RgbImage> image = DecodeImage(bytes, limits);
  if (!image.ok()) {
    return absl::Status(image.status().code(), absl::StrCat(path, ": ", image.status().message()));
  }
  return image;
}

}  // namespace encuentro::biometrics
