#include "biometrics/face_pipeline.h"

#include <dlib/clustering.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>
#include <utility>
#include <vector>

#include "biometrics/image_decoder.h"
#include "gtest/gtest.h"
#include "test_support.h"

namespace encuentro::biometrics {
namespace {

using testing::DemoImage;
using testing::DlibFace;
using testing::LoadOrDie;
using testing::SharedPipeline;

std::vector<FaceAnalysis> AnalyzeOrDie(const FacePipeline& pipeline, const RgbImage& image) {
  absl::StatusOr<std::vector<FaceAnalysis>> faces = pipeline.Analyze(image);
  EXPECT_TRUE(faces.ok()) << faces.status();
  return faces.ok() ? *std::move(faces) : std::vector<FaceAnalysis>{};
}

RgbImage MirrorHorizontally(const RgbImage& image) {
  RgbImage out = image;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const size_t from = (static_cast<size_t>(y) * image.width + x) * 3;
      const size_t to = (static_cast<size_t>(y) * image.width + (image.width - 1 - x)) * 3;
      std::memcpy(&out.pixels[to], &image.pixels[from], 3);
    }
  }
  return out;
}

bool BitIdentical(const FaceDescriptor& a, const FaceDescriptor& b) {
  return std::memcmp(a.data(), b.data(), sizeof(FaceDescriptor)) == 0;
}

// dlib's own acceptance check for this model: 24 faces of 4 men, 6 photos each, cluster into
// exactly 4 identities at the model's 0.6 threshold.
TEST(FacePipelineTest, BaldGuysClusterIntoFourPeopleOfSixFaces) {
  const std::vector<FaceAnalysis> faces =
      AnalyzeOrDie(SharedPipeline(), LoadOrDie(DlibFace("bald_guys.jpg")));
  ASSERT_EQ(faces.size(), 24u);

  std::vector<dlib::sample_pair> edges;
  for (size_t i = 0; i < faces.size(); ++i) {
    for (size_t j = i; j < faces.size(); ++j) {
      if (DescriptorDistance(faces[i].descriptor, faces[j].descriptor) < kSamePersonDistance) {
        edges.emplace_back(i, j);
      }
    }
  }
  std::vector<unsigned long> labels;
  const unsigned long clusters = dlib::chinese_whispers(edges, labels);
  EXPECT_EQ(clusters, 4u);
  std::map<unsigned long, int> sizes;
  for (unsigned long label : labels) ++sizes[label];
  for (const auto& [label, size] : sizes) EXPECT_EQ(size, 6) << "cluster " << label;

  // The clusters are clean: every cross-person distance is above the threshold.
  for (size_t i = 0; i < faces.size(); ++i) {
    for (size_t j = i + 1; j < faces.size(); ++j) {
      const float distance = DescriptorDistance(faces[i].descriptor, faces[j].descriptor);
      if (labels[i] == labels[j]) {
        EXPECT_LT(distance, kSamePersonDistance) << i << " vs " << j;
      } else {
        EXPECT_GT(distance, kSamePersonDistance) << i << " vs " << j;
      }
    }
  }
}

TEST(FacePipelineTest, MirroredFaceStaysCloseToTheOriginal) {
  const FacePipeline& pipeline = SharedPipeline();
  const RgbImage image = LoadOrDie(DlibFace("bald_guys.jpg"));
  const std::vector<FaceAnalysis> faces = AnalyzeOrDie(pipeline, image);
  const std::vector<FaceAnalysis> mirrored = AnalyzeOrDie(pipeline, MirrorHorizontally(image));
  ASSERT_EQ(faces.size(), 24u);
  ASSERT_EQ(mirrored.size(), 24u);
  for (const FaceAnalysis& face : faces) {
    const FaceBox expected{image.width - face.box.x - face.box.width, face.box.y, face.box.width,
                           face.box.height};
    const std::optional<size_t> match = BestOverlappingFace(mirrored, expected);
    ASSERT_TRUE(match.has_value());
    // HOG boxes are not exactly mirror-symmetric; the same face still overlaps most.
    EXPECT_GT(BoxOverlap(mirrored[*match].box, expected), 0.5);
    EXPECT_LT(DescriptorDistance(face.descriptor, mirrored[*match].descriptor), 0.4);
  }
}

TEST(FacePipelineTest, DifferentPeopleAreFarApart) {
  const FacePipeline& pipeline = SharedPipeline();
  // Two single-subject photos of different people.
  const std::vector<FaceAnalysis> cruise =
      AnalyzeOrDie(pipeline, LoadOrDie(DlibFace("Tom_Cruise_avp_2014_4.jpg")));
  const std::vector<FaceAnalysis> bald =
      AnalyzeOrDie(pipeline, LoadOrDie(DlibFace("bald_guys.jpg")));
  ASSERT_GE(cruise.size(), 1u);
  ASSERT_EQ(bald.size(), 24u);
  for (const FaceAnalysis& face : bald) {
    EXPECT_GT(DescriptorDistance(cruise[0].descriptor, face.descriptor), kSamePersonDistance);
  }
}

// Face counts the HOG detector gives on face-api's demo photos without upsampling.
// A photo larger than max_detection_pixels is scanned reduced: the same faces are found, with
// boxes on the full image, and their descriptors (from the full image) stay the person's.
TEST(FacePipelineTest, LargePhotosAreScannedReducedAndBoxedInFull) {
  const RgbImage small = LoadOrDie(DlibFace("2008_002506.jpg"));
  const std::vector<FaceAnalysis> reference = AnalyzeOrDie(SharedPipeline(), small);
  ASSERT_FALSE(reference.empty());
  constexpr int kFactor = 6;
  RgbImage large;
  large.width = small.width * kFactor;
  large.height = small.height * kFactor;
  large.pixels.resize(large.ByteSize());
  cv::resize(
      cv::Mat(small.height, small.width, CV_8UC3, const_cast<std::uint8_t*>(small.pixels.data())),
      cv::Mat(large.height, large.width, CV_8UC3, large.pixels.data()),
      cv::Size(large.width, large.height), 0, 0, cv::INTER_LINEAR);
  FacePipelineOptions options = testing::DefaultOptions();
  options.max_detection_pixels = std::int64_t{small.width} * small.height * 4;  // scanned at 1/3
  absl::StatusOr<std::unique_ptr<FacePipeline>> pipeline = FacePipeline::Create(options);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status();
  const std::vector<FaceAnalysis> found = AnalyzeOrDie(**pipeline, large);
  ASSERT_EQ(found.size(), reference.size());
  for (size_t i = 0; i < found.size(); ++i) {
    // Boxes on the full image: about kFactor times the small photo's.
    EXPECT_NEAR(found[i].box.x, reference[i].box.x * kFactor,
                0.25 * reference[i].box.width * kFactor);
    EXPECT_NEAR(found[i].box.width, reference[i].box.width * kFactor,
                0.25 * reference[i].box.width * kFactor);
    EXPECT_LT(DescriptorDistance(found[i].descriptor, reference[i].descriptor), 0.3f);
  }
}

// The detector's scale follows the photo's size: small photos doubled (faces of 40 px reach the
// 80 px window), large ones reduced so that about 5 MP are scanned, never more than the limit.
TEST(FacePipelineTest, DetectionScaleBoundsThePixelsScanned) {
  const FacePipelineOptions options;
  EXPECT_DOUBLE_EQ(DetectionScale(577, 433, options), 2);              // 0.25 MP
  EXPECT_DOUBLE_EQ(DetectionScale(1155, 866, options), 2);             // 1 MP
  EXPECT_NEAR(DetectionScale(2000, 1500, options), 80.0 / 60, 1e-9);   // 3 MP: faces of 60 px
  EXPECT_NEAR(DetectionScale(4000, 3000, options), 80.0 / 120, 1e-9);  // 12 MP: of 120 px
  for (const auto& [w, h] :
       std::vector<std::pair<int, int>>{{4000, 3000}, {8000, 6000}, {2000, 1500}, {12000, 1000}}) {
    const double scale = DetectionScale(w, h, options);
    EXPECT_LE(scale * scale * w * h, static_cast<double>(options.max_detection_pixels) * 1.0001)
        << w << "x" << h;
  }
  FacePipelineOptions no_enlarging = options;
  no_enlarging.upsample = 0;
  EXPECT_DOUBLE_EQ(DetectionScale(577, 433, no_enlarging), 1);
}

TEST(FacePipelineTest, DemoPhotosFaceCountsWithoutUpsampling) {
  FacePipelineOptions options = testing::DefaultOptions();
  options.upsample = 0;
  absl::StatusOr<std::unique_ptr<FacePipeline>> pipeline = FacePipeline::Create(options);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status();
  const int expected[] = {4, 1, 3, 3, 5, 4};
  for (int i = 0; i < 6; ++i) {
    const std::string name = "sample" + std::to_string(i + 1) + ".jpg";
    absl::StatusOr<std::vector<DetectedFace>> faces =
        (*pipeline)->Detect(LoadOrDie(DemoImage(name)));
    ASSERT_TRUE(faces.ok()) << faces.status();
    EXPECT_EQ(static_cast<int>(faces->size()), expected[i]) << name;
  }
}

TEST(FacePipelineTest, DescriptorsAreBitForBitStable) {
  const RgbImage image = LoadOrDie(DemoImage("sample5.jpg"));
  const std::vector<FaceAnalysis> first = AnalyzeOrDie(SharedPipeline(), image);
  absl::StatusOr<std::unique_ptr<FacePipeline>> other =
      FacePipeline::Create(testing::DefaultOptions());
  ASSERT_TRUE(other.ok()) << other.status();
  const std::vector<FaceAnalysis> second = AnalyzeOrDie(**other, image);
  const std::vector<FaceAnalysis> third = AnalyzeOrDie(SharedPipeline(), image);
  ASSERT_FALSE(first.empty());
  ASSERT_EQ(first.size(), second.size());
  ASSERT_EQ(first.size(), third.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_TRUE(BitIdentical(first[i].descriptor, second[i].descriptor)) << i;
    EXPECT_TRUE(BitIdentical(first[i].descriptor, third[i].descriptor)) << i;
  }
}

TEST(FacePipelineTest, ConcurrentCallsGiveTheSameDescriptors) {
  const FacePipeline& pipeline = SharedPipeline();
  std::vector<RgbImage> images;
  for (const char* name :
       {"2008_001322.jpg", "2008_002079.jpg", "2008_002470.jpg", "2009_004587.jpg"}) {
    images.push_back(LoadOrDie(DlibFace(name)));
  }
  std::vector<std::vector<FaceAnalysis>> expected;
  for (const RgbImage& image : images) {
    expected.push_back(AnalyzeOrDie(pipeline, image));
    ASSERT_FALSE(expected.back().empty());
  }

  constexpr int kThreads = 4;
  constexpr int kRounds = 2;
  std::vector<std::vector<std::vector<FaceAnalysis>>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        for (size_t i = 0; i < images.size(); ++i) {
          // Threads start on different images so that different work overlaps.
          const size_t which = (i + static_cast<size_t>(t)) % images.size();
          absl::StatusOr<std::vector<FaceAnalysis>> faces = pipeline.Analyze(images[which]);
          results[static_cast<size_t>(t)].push_back(faces.ok() ? *faces
                                                               : std::vector<FaceAnalysis>{});
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  for (int t = 0; t < kThreads; ++t) {
    for (size_t k = 0; k < results[static_cast<size_t>(t)].size(); ++k) {
      const size_t which = (k % images.size() + static_cast<size_t>(t)) % images.size();
      const std::vector<FaceAnalysis>& got = results[static_cast<size_t>(t)][k];
      ASSERT_EQ(got.size(), expected[which].size()) << "thread " << t << " call " << k;
      for (size_t f = 0; f < got.size(); ++f) {
        EXPECT_TRUE(BitIdentical(got[f].descriptor, expected[which][f].descriptor));
      }
    }
  }
}

TEST(FacePipelineTest, StagesComposeToAnalyze) {
  const FacePipeline& pipeline = SharedPipeline();
  const RgbImage image = LoadOrDie(DlibFace("Tom_Cruise_avp_2014_4.jpg"));
  const std::vector<FaceAnalysis> faces = AnalyzeOrDie(pipeline, image);
  ASSERT_FALSE(faces.empty());
  absl::StatusOr<std::vector<DetectedFace>> detected = pipeline.Detect(image);
  ASSERT_TRUE(detected.ok());
  ASSERT_EQ(detected->size(), faces.size());
  absl::StatusOr<FaceLandmarks> landmarks = pipeline.FindLandmarks(image, (*detected)[0].box);
  ASSERT_TRUE(landmarks.ok());
  absl::StatusOr<RgbImage> chip = pipeline.ExtractChip(image, *landmarks);
  ASSERT_TRUE(chip.ok());
  EXPECT_EQ(chip->width, 150);
  EXPECT_EQ(chip->height, 150);
  absl::StatusOr<FaceDescriptor> descriptor = pipeline.Describe(*chip);
  ASSERT_TRUE(descriptor.ok());
  EXPECT_TRUE(BitIdentical(*descriptor, faces[0].descriptor));

  absl::StatusOr<FaceAnalysis> region = pipeline.AnalyzeRegion(image, faces[0].box);
  ASSERT_TRUE(region.ok());
  EXPECT_TRUE(BitIdentical(region->descriptor, faces[0].descriptor));
  EXPECT_FALSE(region->quality.detector_score.has_value());
  EXPECT_EQ(region->quality.detector_verdict, Verdict::kWarn);

  RgbImage wrong_size = *chip;
  wrong_size.width = 75;
  wrong_size.pixels.resize(wrong_size.ByteSize());
  EXPECT_EQ(pipeline.Describe(wrong_size).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(FacePipelineTest, JitterIsDeterministicAndCloseToPlain) {
  FacePipelineOptions options = testing::DefaultOptions();
  options.jitter = 10;
  absl::StatusOr<std::unique_ptr<FacePipeline>> jittered = FacePipeline::Create(options);
  ASSERT_TRUE(jittered.ok()) << jittered.status();
  const RgbImage image = LoadOrDie(DlibFace("Tom_Cruise_avp_2014_4.jpg"));
  const std::vector<FaceAnalysis> plain = AnalyzeOrDie(SharedPipeline(), image);
  const std::vector<FaceAnalysis> first = AnalyzeOrDie(**jittered, image);
  const std::vector<FaceAnalysis> second = AnalyzeOrDie(**jittered, image);
  ASSERT_FALSE(plain.empty());
  ASSERT_EQ(first.size(), plain.size());
  ASSERT_EQ(second.size(), plain.size());
  EXPECT_TRUE(BitIdentical(first[0].descriptor, second[0].descriptor));
  EXPECT_FALSE(BitIdentical(first[0].descriptor, plain[0].descriptor));
  EXPECT_LT(DescriptorDistance(first[0].descriptor, plain[0].descriptor), 0.25);
}

TEST(FacePipelineTest, ImagesWithoutFacesGiveNoFaces) {
  const FacePipeline& pipeline = SharedPipeline();
  RgbImage one_pixel{1, 1, {200, 100, 50}};
  absl::StatusOr<std::vector<FaceAnalysis>> faces = pipeline.Analyze(one_pixel);
  ASSERT_TRUE(faces.ok()) << faces.status();
  EXPECT_TRUE(faces->empty());

  RgbImage empty;
  faces = pipeline.Analyze(empty);
  ASSERT_TRUE(faces.ok()) << faces.status();
  EXPECT_TRUE(faces->empty());

  RgbImage flat{320, 240, std::vector<std::uint8_t>(320 * 240 * 3, 128)};
  faces = pipeline.Analyze(flat);
  ASSERT_TRUE(faces.ok()) << faces.status();
  EXPECT_TRUE(faces->empty());

  RgbImage inconsistent{10, 10, std::vector<std::uint8_t>(7)};
  EXPECT_EQ(pipeline.Analyze(inconsistent).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(FacePipelineTest, OptionsAreValidated) {
  FacePipelineOptions options = testing::DefaultOptions();
  options.upsample = 9;
  EXPECT_EQ(FacePipeline::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = testing::DefaultOptions();
  options.jitter = -1;
  EXPECT_EQ(FacePipeline::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = testing::DefaultOptions();
  options.models_dir = "/nonexistent/models";
  EXPECT_EQ(FacePipeline::Create(options).status().code(), absl::StatusCode::kNotFound);
}

TEST(FacePipelineTest, QualityReportsReflectTheImage) {
  const FacePipeline& pipeline = SharedPipeline();
  const std::vector<FaceAnalysis> faces =
      AnalyzeOrDie(pipeline, LoadOrDie(DlibFace("bald_guys.jpg")));
  ASSERT_EQ(faces.size(), 24u);
  for (const FaceAnalysis& face : faces) {
    const QualityReport& q = face.quality;
    EXPECT_EQ(q.face_width_px.value, face.box.width);
    // Eye centres sit roughly 0.3-0.5 face widths apart on a frontal face.
    EXPECT_GT(q.interocular_px.value, 0.25 * face.box.width);
    EXPECT_LT(q.interocular_px.value, 0.6 * face.box.width);
    EXPECT_LT(std::abs(q.roll_degrees.value), 30);
    EXPECT_LT(std::abs(q.yaw_degrees.value), 45);
    ASSERT_TRUE(q.detector_score.has_value());
    EXPECT_GE(*q.detector_score, 0.0);
    EXPECT_GT(q.sharpness.value, 0);
    EXPECT_GT(q.contrast.value, 0);
  }

  // Blurring the photo lowers every face's sharpness; darkening it lowers brightness.
  RgbImage image = LoadOrDie(DlibFace("Tom_Cruise_avp_2014_4.jpg"));
  const std::vector<FaceAnalysis> sharp = AnalyzeOrDie(pipeline, image);
  ASSERT_FALSE(sharp.empty());
  RgbImage dark = image;
  for (std::uint8_t& v : dark.pixels) v = static_cast<std::uint8_t>(v / 4);
  absl::StatusOr<FaceAnalysis> dark_face = pipeline.AnalyzeRegion(dark, sharp[0].box);
  ASSERT_TRUE(dark_face.ok());
  EXPECT_LT(dark_face->quality.brightness.value, sharp[0].quality.brightness.value / 2);
  EXPECT_EQ(dark_face->quality.brightness.verdict, Verdict::kFail);

  RgbImage blurred = image;
  const cv::Mat original(image.height, image.width, CV_8UC3, image.pixels.data());
  cv::Mat out(blurred.height, blurred.width, CV_8UC3, blurred.pixels.data());
  cv::GaussianBlur(original, out, cv::Size(0, 0), 4.0);
  absl::StatusOr<FaceAnalysis> blurred_face = pipeline.AnalyzeRegion(blurred, sharp[0].box);
  ASSERT_TRUE(blurred_face.ok());
  EXPECT_LT(blurred_face->quality.sharpness.value, sharp[0].quality.sharpness.value / 2);
}

TEST(FacePipelineTest, BestOverlappingFacePicksTheRightBox) {
  std::vector<FaceAnalysis> faces(3);
  faces[0].box = {0, 0, 100, 100};
  faces[1].box = {200, 0, 100, 100};
  faces[2].box = {400, 0, 100, 100};
  EXPECT_EQ(BestOverlappingFace(faces, {210, 10, 90, 90}), std::optional<size_t>(1));
  EXPECT_EQ(BestOverlappingFace(faces, {0, 500, 10, 10}), std::nullopt);
  EXPECT_DOUBLE_EQ(BoxOverlap({0, 0, 10, 10}, {0, 0, 10, 10}), 1.0);
  EXPECT_DOUBLE_EQ(BoxOverlap({0, 0, 10, 10}, {5, 0, 10, 10}), 50.0 / 150.0);
}

}  // namespace
}  // namespace encuentro::biometrics
