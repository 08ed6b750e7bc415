#include "biometrics/image_decoder.h"

#include <cstdint>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "test_support.h"

namespace encuentro::biometrics {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Left half red, right half blue: any rotation or channel swap shows.
cv::Mat RedBlueBgr(int width, int height) {
  cv::Mat image(height, width, CV_8UC3, cv::Scalar(255, 0, 0));           // BGR blue.
  image(cv::Rect(0, 0, width / 2, height)).setTo(cv::Scalar(0, 0, 255));  // BGR red.
  return image;
}

Bytes Encode(const std::string& extension, const cv::Mat& image,
             const std::vector<int>& params = {}) {
  Bytes bytes;
  EXPECT_TRUE(cv::imencode(extension, image, bytes, params));
  return bytes;
}

const std::uint8_t* PixelAt(const RgbImage& image, int x, int y) {
  return &image.pixels[(static_cast<size_t>(y) * image.width + x) * 3];
}

void ExpectRgb(const RgbImage& image, int x, int y, int r, int g, int b, int tolerance = 12) {
  const std::uint8_t* p = PixelAt(image, x, y);
  EXPECT_NEAR(p[0], r, tolerance) << "at " << x << "," << y;
  EXPECT_NEAR(p[1], g, tolerance) << "at " << x << "," << y;
  EXPECT_NEAR(p[2], b, tolerance) << "at " << x << "," << y;
}

// A JPEG with an EXIF APP1 segment holding only the orientation tag, inserted after SOI.
Bytes WithExifOrientation(const Bytes& jpeg, std::uint16_t orientation) {
  const Bytes tiff = {'I',
                      'I',
                      0x2A,
                      0x00,
                      0x08,
                      0x00,
                      0x00,
                      0x00,  // Little-endian, IFD at 8.
                      0x01,
                      0x00,  // One entry:
                      0x12,
                      0x01,
                      0x03,
                      0x00,
                      0x01,
                      0x00,
                      0x00,
                      0x00,  // 0x0112 SHORT x1
                      static_cast<std::uint8_t>(orientation),
                      0x00,
                      0x00,
                      0x00,
                      0x00,
                      0x00,
                      0x00,
                      0x00};  // No next IFD.
  const size_t length = 2 + 6 + tiff.size();
  Bytes segment = {0xFF,
                   0xE1,
                   static_cast<std::uint8_t>(length >> 8),
                   static_cast<std::uint8_t>(length & 0xFF),
                   'E',
                   'x',
                   'i',
                   'f',
                   0,
                   0};
  segment.insert(segment.end(), tiff.begin(), tiff.end());
  // Element-wise appends: GCC 12 misreports range inserts into a 2-byte vector (-Warray-bounds).
  Bytes out;
  out.reserve(jpeg.size() + segment.size());
  out.push_back(jpeg[0]);
  out.push_back(jpeg[1]);
  for (std::uint8_t b : segment) out.push_back(b);
  for (size_t i = 2; i < jpeg.size(); ++i) out.push_back(jpeg[i]);
  return out;
}

// A PNG signature and IHDR chunk only (CRC left zero): enough to be judged by its header.
Bytes PngHeaderOnly(std::uint32_t width, std::uint32_t height) {
  Bytes b = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
  for (std::uint32_t v : {width, height}) {
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<std::uint8_t>(v >> shift));
  }
  const Bytes rest = {8, 2, 0, 0, 0, 0, 0, 0, 0};  // Depth 8, RGB, then the CRC.
  b.insert(b.end(), rest.begin(), rest.end());
  return b;
}

TEST(ImageDecoderTest, DecodesJpegPngAndWebpToUprightRgb) {
  const cv::Mat source = RedBlueBgr(64, 32);
  for (const std::string extension : {".jpg", ".png", ".webp"}) {
    SCOPED_TRACE(extension);
    const Bytes bytes = Encode(extension, source);
    absl::StatusOr<ImageHeader> header = ReadImageHeader(bytes);
    ASSERT_TRUE(header.ok()) << header.status();
    EXPECT_EQ(header->width, 64);
    EXPECT_EQ(header->height, 32);
    absl::StatusOr<RgbImage> image = DecodeImage(bytes);
    ASSERT_TRUE(image.ok()) << image.status();
    EXPECT_EQ(image->width, 64);
    EXPECT_EQ(image->height, 32);
    EXPECT_EQ(image->pixels.size(), 64u * 32u * 3u);
    ExpectRgb(*image, 8, 16, 255, 0, 0, 40);
    ExpectRgb(*image, 56, 16, 0, 0, 255, 40);
  }
  EXPECT_EQ(ReadImageHeader(Encode(".png", source))->format, ImageFormat::kPng);
  EXPECT_EQ(ReadImageHeader(Encode(".jpg", source))->format, ImageFormat::kJpeg);
  EXPECT_EQ(ReadImageHeader(Encode(".webp", source))->format, ImageFormat::kWebp);
}

TEST(ImageDecoderTest, ReadsLosslessWebpDimensions) {
  // Quality above 100 selects VP8L (lossless) in OpenCV's WebP encoder.
  const Bytes bytes = Encode(".webp", RedBlueBgr(301, 123), {cv::IMWRITE_WEBP_QUALITY, 101});
  ASSERT_GT(bytes.size(), 16u);
  EXPECT_EQ(std::string(bytes.begin() + 12, bytes.begin() + 16), "VP8L");
  absl::StatusOr<ImageHeader> header = ReadImageHeader(bytes);
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->width, 301);
  EXPECT_EQ(header->height, 123);
  absl::StatusOr<RgbImage> image = DecodeImage(bytes);
  ASSERT_TRUE(image.ok()) << image.status();
  ExpectRgb(*image, 10, 10, 255, 0, 0, 0);
}

TEST(ImageDecoderTest, ConvertsGreyAnd16BitPngTo8BitRgb) {
  cv::Mat grey(20, 30, CV_8UC1, cv::Scalar(77));
  absl::StatusOr<RgbImage> image = DecodeImage(Encode(".png", grey));
  ASSERT_TRUE(image.ok()) << image.status();
  ExpectRgb(*image, 5, 5, 77, 77, 77, 0);

  cv::Mat deep(20, 30, CV_16UC3, cv::Scalar(0, 32768, 65535));  // BGR
  image = DecodeImage(Encode(".png", deep));
  ASSERT_TRUE(image.ok()) << image.status();
  ExpectRgb(*image, 5, 5, 255, 128, 0, 1);

  cv::Mat deep_grey(20, 30, CV_16UC1, cv::Scalar(51400));
  image = DecodeImage(Encode(".png", deep_grey));
  ASSERT_TRUE(image.ok()) << image.status();
  ExpectRgb(*image, 5, 5, 200, 200, 200, 1);

  cv::Mat with_alpha(20, 30, CV_8UC4, cv::Scalar(10, 20, 30, 0));
  image = DecodeImage(Encode(".png", with_alpha));
  ASSERT_TRUE(image.ok()) << image.status();
  ExpectRgb(*image, 5, 5, 30, 20, 10, 0);
}

TEST(ImageDecoderTest, AppliesExifOrientation) {
  const Bytes plain = Encode(".jpg", RedBlueBgr(40, 20));
  // Orientation 6: the stored image must be turned 90 degrees clockwise to be upright, so the
  // stored left (red) half ends up on top.
  absl::StatusOr<RgbImage> image = DecodeImage(WithExifOrientation(plain, 6));
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->width, 20);
  EXPECT_EQ(image->height, 40);
  ExpectRgb(*image, 10, 5, 255, 0, 0, 40);
  ExpectRgb(*image, 10, 35, 0, 0, 255, 40);

  // Orientation 3: upside down, so red moves to the right.
  image = DecodeImage(WithExifOrientation(plain, 3));
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->width, 40);
  ExpectRgb(*image, 35, 10, 255, 0, 0, 40);

  // Orientation 1 changes nothing.
  image = DecodeImage(WithExifOrientation(plain, 1));
  ASSERT_TRUE(image.ok()) << image.status();
  ExpectRgb(*image, 5, 10, 255, 0, 0, 40);
}

TEST(ImageDecoderTest, RejectsTruncatedJpeg) {
  const Bytes full = Encode(".jpg", RedBlueBgr(200, 100));
  ASSERT_TRUE(DecodeImage(full).ok());
  for (const size_t keep : {full.size() - 2, full.size() / 2, size_t{200}, size_t{20}, size_t{3}}) {
    const Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(keep));
    absl::StatusOr<RgbImage> image = DecodeImage(cut);
    EXPECT_EQ(image.status().code(), absl::StatusCode::kInvalidArgument) << keep;
  }
  const Bytes half(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(full.size() / 2));
  EXPECT_NE(DecodeImage(half).status().message().find("truncated"), std::string::npos);
}

TEST(ImageDecoderTest, RejectsTruncatedPng) {
  const Bytes full = Encode(".png", RedBlueBgr(200, 100));
  const Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(full.size() / 2));
  EXPECT_EQ(DecodeImage(cut).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ImageDecoderTest, DecodesAOnePixelImage) {
  cv::Mat pixel(1, 1, CV_8UC3, cv::Scalar(30, 20, 10));
  for (const std::string extension : {".png", ".jpg"}) {
    absl::StatusOr<RgbImage> image = DecodeImage(Encode(extension, pixel));
    ASSERT_TRUE(image.ok()) << extension << ": " << image.status();
    EXPECT_EQ(image->width, 1);
    EXPECT_EQ(image->height, 1);
    ExpectRgb(*image, 0, 0, 10, 20, 30, 4);
  }
}

TEST(ImageDecoderTest, RefusesHugeImagesFromTheHeaderAlone) {
  // 30000 x 30000 = 900 MP would need 2.7 GB; the header alone decides.
  const Bytes huge = PngHeaderOnly(30000, 30000);
  absl::StatusOr<ImageHeader> header = ReadImageHeader(huge);
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->width, 30000);
  absl::StatusOr<RgbImage> image = DecodeImage(huge);
  EXPECT_EQ(image.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(image.status().message().find("30000x30000"), std::string::npos);

  EXPECT_EQ(DecodeImage(PngHeaderOnly(40000, 10)).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(DecodeImage(PngHeaderOnly(0, 10)).status().code(), absl::StatusCode::kInvalidArgument);

  DecodeLimits small;
  small.max_pixels = 100;
  EXPECT_EQ(DecodeImage(Encode(".jpg", RedBlueBgr(20, 20)), small).status().code(),
            absl::StatusCode::kResourceExhausted);
  small = {};
  small.max_bytes = 10;
  EXPECT_EQ(DecodeImage(Encode(".jpg", RedBlueBgr(20, 20)), small).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(ImageDecoderTest, WorkingImagesAreBoundedAndKnowTheirFullSize) {
  // A JPEG is decoded straight at a reduced scale; its full size is what the header says.
  const Bytes jpeg = Encode(".jpg", RedBlueBgr(4000, 3000));
  absl::StatusOr<WorkingImage> working = DecodeWorkingImage(jpeg, {}, 3'000'000);
  ASSERT_TRUE(working.ok()) << working.status();
  EXPECT_EQ(working->image.width, 2000);
  EXPECT_EQ(working->image.height, 1500);
  EXPECT_EQ(working->full_width, 4000);
  EXPECT_EQ(working->full_height, 3000);
  EXPECT_DOUBLE_EQ(working->scale, 2.0);
  // Under the bound nothing changes.
  working = DecodeWorkingImage(jpeg, {}, 16'000'000);
  ASSERT_TRUE(working.ok());
  EXPECT_EQ(working->image.width, 4000);
  EXPECT_DOUBLE_EQ(working->scale, 1.0);
  // A 100 MP PNG of 118 KB (the upload that once cost 40 s of CPU and 1.3 GB) comes out at the
  // working size, past the 1/8 a JPEG could reach too.
  const Bytes png = Encode(".png", cv::Mat(10000, 10000, CV_8UC3, cv::Scalar(128, 128, 128)));
  working = DecodeWorkingImage(png, {}, 1'000'000);
  ASSERT_TRUE(working.ok()) << working.status();
  EXPECT_LE(std::int64_t{working->image.width} * working->image.height, 1'000'000);
  EXPECT_EQ(working->full_width, 10000);
  EXPECT_NEAR(working->scale, 10.0, 0.01);
  // The limits of DecodeImage hold.
  DecodeLimits small;
  small.max_pixels = 1'000'000;
  EXPECT_EQ(DecodeWorkingImage(png, small, 1'000'000).status().code(),
            absl::StatusCode::kResourceExhausted);
  // An EXIF-rotated JPEG reports its upright full size, and is reduced upright.
  working =
      DecodeWorkingImage(WithExifOrientation(Encode(".jpg", RedBlueBgr(400, 200)), 6), {}, 20'000);
  ASSERT_TRUE(working.ok()) << working.status();
  EXPECT_EQ(working->full_width, 200);
  EXPECT_EQ(working->full_height, 400);
  EXPECT_EQ(working->image.width, 100);
  EXPECT_EQ(working->image.height, 200);
  ExpectRgb(working->image, 50, 20, 255, 0, 0, 40);  // red on top, as DecodeImage gives it
}

TEST(ImageDecoderTest, RejectsNonImages) {
  std::mt19937 random(1234);
  Bytes noise(4096);
  for (std::uint8_t& b : noise) b = static_cast<std::uint8_t>(random());
  absl::StatusOr<RgbImage> image = DecodeImage(noise);
  EXPECT_EQ(image.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(image.status().message().find("not a JPEG, PNG or WebP"), std::string::npos);

  EXPECT_EQ(DecodeImage(Bytes{}).status().code(), absl::StatusCode::kInvalidArgument);
  const std::string text = "GIF89a not really";
  EXPECT_EQ(DecodeImage(Bytes(text.begin(), text.end())).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Valid signatures followed by noise.
  for (Bytes prefix : {Bytes{0xFF, 0xD8, 0xFF}, Bytes{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'},
                       Bytes{'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P'}}) {
    prefix.insert(prefix.end(), noise.begin(), noise.end());
    EXPECT_EQ(DecodeImage(prefix).status().code(), absl::StatusCode::kInvalidArgument);
  }
}

// Corrupted real files must give either an image or an error, never a crash or a hang.
TEST(ImageDecoderTest, SurvivesCorruptedFiles) {
  const cv::Mat source = RedBlueBgr(96, 64);
  std::mt19937 random(42);
  for (const std::string extension : {".jpg", ".png", ".webp"}) {
    const Bytes valid = Encode(extension, source);
    for (int round = 0; round < 100; ++round) {
      Bytes bytes = valid;
      const int flips = 1 + static_cast<int>(random() % 8);
      for (int i = 0; i < flips; ++i) {
        bytes[random() % bytes.size()] = static_cast<std::uint8_t>(random());
      }
      absl::StatusOr<RgbImage> image = DecodeImage(bytes);
      if (image.ok()) {
        EXPECT_EQ(image->pixels.size(), image->ByteSize());
      } else {
        EXPECT_TRUE(image.status().code() == absl::StatusCode::kInvalidArgument ||
                    image.status().code() == absl::StatusCode::kResourceExhausted)
            << image.status();
      }
    }
  }
}

TEST(ImageDecoderTest, DecodesFilesAndReportsMissingOnes) {
  absl::StatusOr<RgbImage> image = DecodeImageFile(testing::DlibFace("bald_guys.jpg"));
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_GT(image->width, 0);
  EXPECT_EQ(DecodeImageFile("/nonexistent/photo.jpg").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace encuentro::biometrics
